namespace RawScan.Targets;

/// <summary>How many probes a scan is (addresses x ports), and the most a scan's index can hold.</summary>
public static class ScanSize
{
    /// <summary>The most probes a scan can index: positions are 64-bit, and the permutation needs one bit of room.</summary>
    public const ulong Max = 1UL << 63;

    /// <summary>Addresses x ports, saturating at <see cref="UInt128.MaxValue"/> (an IPv6 /0 times ports).</summary>
    public static UInt128 Of(TargetSet targets, ScanPorts ports)
    {
        UInt128 n = targets.Count, p = (uint)ports.Count;
        return p != 0 && n > UInt128.MaxValue / p ? UInt128.MaxValue : n * p;
    }
}
