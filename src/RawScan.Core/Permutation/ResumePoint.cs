using RawScan.Match;
using RawScan.Results;
using RawScan.Targets;

namespace RawScan.Permutation;

/// <summary>
/// Where a stopped scan stands in its shuffled order: every position before <c>low</c> settled, every
/// one from <c>position</c> on unsent, and between them a window of probes that were in flight, some
/// settled (their results are in the journal) and some not. The window is as long as a probe stays in
/// flight (its tries and their timeouts) times the rate: a few hundred thousand positions at most,
/// whatever the size of the scan.
/// </summary>
public static class ResumePoint
{
    /// <summary>More positions than this between low and position is not a window a scan leaves: a damaged resume file.</summary>
    public const ulong MaxWindow = 1UL << 26;

    /// <summary>
    /// The window's positions whose probes have no result in <paramref name="settled"/>, ascending: what
    /// a resume sends first, so that no probe is lost and none is reported twice.
    /// </summary>
    public static ulong[] Unsettled(ScanOptions o, ulong low, ulong position, IEnumerable<PortResult> settled)
    {
        var space = new ScanSpace(o.Targets, o.Ports);
        var order = new FeistelPermutation(space.Count, o.Seed);
        ulong step = (ulong)o.Shard.Count;
        if (low > position || position > space.Count + step || (position - low) / step > MaxWindow || !InShard(low, o.Shard))
            throw new InvalidDataException($"positions {low}-{position} are not a place in this scan");
        // Probe key (address, port, protocol) -> position: one entry per probe of the window.
        var window = new Dictionary<(UInt128, ushort, Protocol), ulong>();
        for (ulong p = low; p < Math.Min(position, space.Count); p += step)
        {
            space.Decode(order[p], out UInt128 address, out ushort port, out Protocol protocol);
            window[(address, port, protocol)] = p;
        }
        if (window.Count > 0)
            foreach (var r in settled)
                window.Remove((r.Address, r.Port, r.Protocol));
        var left = window.Values.ToArray();
        Array.Sort(left);
        return left;
    }

    private static bool InShard(ulong p, Shard s) => p >= s.First && (p - s.First) % (ulong)s.Count == 0;
}
