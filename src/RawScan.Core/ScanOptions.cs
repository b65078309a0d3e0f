using RawScan.Permutation;
using RawScan.Probes;
using RawScan.Targets;

namespace RawScan;

/// <summary>How frames reach the wire.</summary>
public enum SendPath
{
    /// <summary>The fastest that works here: native on Linux when the shim loads, else libpcap.</summary>
    Auto,
    /// <summary>The C shim in native/: AF_PACKET, one sendmmsg per batch (Linux).</summary>
    Native,
    /// <summary>libpcap's pcap_inject, one call per frame: portable (Npcap on Windows).</summary>
    Pcap,
}

/// <summary>Everything a scan needs, already validated. Null means "find it out" (route, ARP, kernel settings).</summary>
public sealed record ScanOptions
{
    public required TargetSet Targets { get; init; }
    public required ScanPorts Ports { get; init; }

    /// <summary>The UDP probe for each port (built-in protocol payloads, or a user's --udp-payloads).</summary>
    public IUdpPayloads? UdpPayloads { get; init; }

    /// <summary>Packets per second over the whole scan; +infinity for as fast as the path goes. With <see cref="AutoRate"/>, the ceiling.</summary>
    public double Rate { get; init; } = 100_000;

    /// <summary>--rate auto: the rate follows what the path delivers (<see cref="Transmit.RateController"/>), never above <see cref="Rate"/> (--max-rate).</summary>
    public bool AutoRate { get; init; }

    /// <summary>Resends of a probe still unanswered after the timeout (the timeout follows the measured RTT).</summary>
    public int Retries { get; init; } = 1;

    /// <summary>Send a RST for every SYN-ACK, closing the half-open connection on the target.</summary>
    public bool Reset { get; init; }

    /// <summary>
    /// How long to keep listening after the last probe. Null (the default) derives it from the
    /// measured round trips: three retransmission timeouts, at least 0.25 s and at most 2 s.
    /// </summary>
    public TimeSpan? Wait { get; init; }

    public string? Interface { get; init; }
    public uint? SourceIp { get; init; }

    /// <summary>The IPv6 source (--source-ip with an IPv6 address): otherwise the interface's global address facing the targets.</summary>
    public UInt128? SourceIp6 { get; init; }
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

    public SendPath SendPath { get; init; } = SendPath.Auto;

    /// <summary>Where in this shard's shuffled order to start: a resumed scan's saved position.</summary>
    public ulong? StartPosition { get; init; }

    /// <summary>
    /// A resumed scan's positions before <see cref="StartPosition"/> that were sent but never settled (in
    /// flight when the scan stopped), ascending: sent first, as first tries.
    /// </summary>
    public IReadOnlyList<ulong> Unsettled { get; init; } = [];

    /// <summary>Where the scan keeps its place while it runs (a journal of results and a position file); null: nowhere.</summary>
    public Results.ICheckpoint? Checkpoint { get; init; }

    /// <summary>How often the place is kept: a scan killed outright loses at most this much work, which it probes again.</summary>
    public TimeSpan CheckpointEvery { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Everything but the wire: no capture, no ARP; frames go to <see cref="WritePcap"/> or are only counted.</summary>
    public bool DryRun { get; init; }

    /// <summary>With <see cref="DryRun"/>: write every frame to this pcap file (readable by tcpdump).</summary>
    public string? WritePcap { get; init; }

    /// <summary>Print each packet sent and each reply received here (nmap's --packet-trace). Slow: for small scans.</summary>
    public TextWriter? PacketTrace { get; init; }

    /// <summary>--banners: complete the handshake of every open TCP port, read its banner and name its service; null: SYN scan only.</summary>
    public Banners.BannerOptions? Banners { get; init; }

    /// <summary>Key for the cookies; random per scan unless given (tests replay frames with a fixed key).</summary>
    public (ulong K0, ulong K1)? CookieKey { get; init; }
}
