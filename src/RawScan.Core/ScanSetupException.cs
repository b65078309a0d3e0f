namespace RawScan;

/// <summary>A scan that cannot start: no route, no interface, no next hop, no capture. One line, for the user.</summary>
public sealed class ScanSetupException(string message) : Exception(message);
