namespace RawScan.Banners;

/// <summary>What an nmap rule said of a banner, its templates filled: service (nmap's spelling, "ssl/http" included), product, version, info, hostname, OS, device; soft for a softmatch.</summary>
public sealed record NmapMatch(string Service, string? Product, string? Version, string? Info, string? Hostname, string? OperatingSystem, string? Device, bool Soft, string Probe, int Line);
