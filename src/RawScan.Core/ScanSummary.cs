namespace RawScan;

public enum ScanEnd { Completed, Interrupted, Failed }

/// <summary>How a scan went: what was sent, what came back, and why it ended.</summary>
public sealed record ScanSummary
{
    public required ScanEnd End { get; init; }
    /// <summary>Why a failed scan failed, in one line (<see cref="Scanner.Describe"/>).</summary>
    public string? Error { get; init; }

    /// <summary>The exception that ended a failed scan, as thrown on the send or receive thread: its type and stack, for --debug.</summary>
    public Exception? Fault { get; init; }
    public required string Interface { get; init; }
    public required string SendPath { get; init; }
    public required uint SourceIp { get; init; }

    /// <summary>The IPv6 source, for a scan with IPv6 targets.</summary>
    public UInt128? SourceIp6 { get; init; }
    public required string NextHopMac { get; init; }
    public required long ProbesPlanned { get; init; }
    public required long ProbesSent { get; init; }
    public required long Replies { get; init; }
    public required long Duplicates { get; init; }
    public required long Forged { get; init; }
    public required long Malformed { get; init; }
    public long Truncated { get; init; }
    public required long Open { get; init; }
    public required long Closed { get; init; }
    public required long Filtered { get; init; }
    public required long OpenFiltered { get; init; }
    public required long Retransmits { get; init; }
    public required long Late { get; init; }
    public required long ResetsSent { get; init; }

    /// <summary>--banners: connections, banners and identified services; null when banners were not asked for.</summary>
    public Sessions.BannerCounters? Banners { get; init; }

    /// <summary>--rate auto ran, and the rate it ended at (packets/s).</summary>
    public bool AutoRate { get; init; }
    public double? SettledRate { get; init; }

    /// <summary>The share of probes lost on the path (<see cref="ScanCounters.LossEstimate"/>): null when nothing was resent and answered.</summary>
    public double? LossEstimate { get; init; }

    /// <summary>--rate auto: probes silent through a period of loss that were sent once more at the settled rate.</summary>
    public long SecondChances { get; init; }
    public required TimeSpan SmoothedRtt { get; init; }
    public required TimeSpan Timeout { get; init; }
    public required long KernelDrops { get; init; }
    public required TimeSpan SendTime { get; init; }

    /// <summary>The first position of the shuffled order not sent (see Transmitter.NextPosition); where a resume starts.</summary>
    public required ulong NextPosition { get; init; }

    /// <summary>Every position before this one is settled; from here to <see cref="NextPosition"/> some are not (see <see cref="Results.ICheckpoint.Save"/>).</summary>
    public ulong LowPosition { get; init; }

    /// <summary>Probes sent but not settled when the scan stopped short (in flight): a resume probes them again.</summary>
    public long Unsettled { get; init; }

    /// <summary>Probes a resume would send: those never sent, and those in flight when the scan stopped.</summary>
    public long Left => Math.Max(0, ProbesPlanned - NewProbesSent) + Unsettled;

    /// <summary>First tries sent: <see cref="ProbesSent"/> counts every packet, retransmissions included (as --rate does).</summary>
    public long NewProbesSent => ProbesSent - Retransmits;

    /// <summary>Every planned probe was sent at least once.</summary>
    public bool AllSent => NewProbesSent >= ProbesPlanned;
    public required TimeSpan Duration { get; init; }

    public double SendRate => SendTime.TotalSeconds > 0 ? ProbesSent / SendTime.TotalSeconds : 0;
}
