using RawScan.Targets;

namespace RawScan.Output;

/// <summary>What a report says about the scan before its first result.</summary>
/// <param name="CommandLine">The command as typed, for the report's header (nmap XML's args).</param>
/// <param name="Show">The states listed port by port; writers receive every result and count the rest.</param>
/// <param name="Partial">Hosts need not get a result for every port (--shard, --resume): a grouped report cannot tell
/// when a host is complete, so it writes hosts at the end and counts only what came.</param>
public sealed record ScanHeader(string CommandLine, DateTimeOffset Start, ScanPorts Ports, ulong Targets, string Version, ShownStates? Show = null,
    bool Partial = false)
{
    public ShownStates Shown => Show ?? ShownStates.OpenOnly;

    /// <summary>
    /// The scan grabs banners (--banners): open TCP ports come with a <see cref="Results.ServiceFinding"/>
    /// (<see cref="Results.IResultSink.OnService"/>). A report whose layout is fixed at its start (CSV's
    /// header) makes room for them from the start; the others need not know.
    /// </summary>
    public bool Banners { get; init; }
}
