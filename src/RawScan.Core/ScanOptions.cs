using RawScan.Permutation;
using RawScan.Targets;

namespace RawScan;

/// <summary>Everything a scan needs, already validated. Null means "find it out" (route, ARP, kernel settings).</summary>
public sealed record ScanOptions
{
    public required TargetSet Targets { get; init; }
    public required PortSet Ports { get; init; }

    /// <summary>Packets per second over the whole scan; +infinity for as fast as the path goes.</summary>
    public double Rate { get; init; } = 100_000;

    /// <summary>How long to keep listening after the last probe.</summary>
    public TimeSpan Wait { get; init; } = TimeSpan.FromSeconds(2);

    public string? Interface { get; init; }
    public uint? SourceIp { get; init; }
    public byte[]? RouterMac { get; init; }
    public (ushort First, ushort Last)? SourcePorts { get; init; }

    /// <summary>
    /// A scan whose route is the default route leaves the network it is on. RawScan refuses unless
    /// asked, so a scan meant for the lab can never escape it by mistake.
    /// </summary>
    public bool AllowDefaultRoute { get; init; }

    /// <summary>Seed of the probe order; the same seed gives the same order (needed by shards and resume).</summary>
    public ulong Seed { get; init; }

    public Shard Shard { get; init; } = Shard.Whole;

    /// <summary>Key for the cookies; random per scan unless given (tests replay frames with a fixed key).</summary>
    public (ulong K0, ulong K1)? CookieKey { get; init; }
}
