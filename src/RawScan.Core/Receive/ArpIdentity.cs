namespace RawScan.Receive;

/// <summary>An address the scanner answers ARP for, with the MAC it answers with.</summary>
internal sealed record ArpIdentity(uint Ip, byte[] Mac);
