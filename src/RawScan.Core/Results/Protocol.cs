namespace RawScan.Results;

/// <summary>Transport protocol of a probe; TCP and UDP ports are separate spaces.</summary>
public enum Protocol : byte { Tcp = 6, Udp = 17 }
