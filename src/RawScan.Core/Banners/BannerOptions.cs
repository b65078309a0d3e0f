namespace RawScan.Banners;

/// <summary>--banners: how many connections at once, how much to keep, how long to wait, and what names services.</summary>
public sealed record BannerOptions
{
    /// <summary>Bytes of a banner kept (--banner-bytes); the connection is closed once this many are in.</summary>
    public int MaxBytes { get; init; } = 4096;

    /// <summary>Banner connections open at once (--banner-connections); the sweep waits while all are busy.</summary>
    public int Connections { get; init; } = 4096;

    /// <summary>How long one step waits for the server (to speak first, or to answer a hello) (--banner-wait).</summary>
    public TimeSpan Wait { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>What names the services (the registry's guesses, built-in recognisers, nmap's rules); set when the scan starts.</summary>
    public ServiceIdentifier? Identifier { get; init; }
}
