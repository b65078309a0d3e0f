using System.Runtime.CompilerServices;

namespace RawScan.Targets;

/// <summary>
/// The scan as an index space: probe i in [0, Count) is (address, port), never materialised.
/// Addresses vary fastest, so consecutive indices hit different hosts even before any permutation.
/// </summary>
public sealed class ScanSpace(TargetSet targets, PortSet ports)
{
    public TargetSet Targets { get; } = targets;
    public PortSet Ports { get; } = ports;
    public ulong Count { get; } = targets.Count * (ulong)ports.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Decode(ulong index, out uint address, out ushort port)
    {
        ulong n = Targets.Count;
        address = Targets[index % n];
        port = Ports[(int)(index / n)];
    }
}
