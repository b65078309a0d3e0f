using System.Runtime.CompilerServices;

namespace RawScan.Probes;

/// <summary>
/// The scan's source ports: a range, the probe at position p of the shuffled order using
/// First + p mod Count. The sender picks by it, and the receiver checks by it that a reply whose
/// protocol echoes nothing at least came back to the port its probe left from.
/// </summary>
public readonly struct SourcePorts(ushort first, ushort last)
{
    public ushort First { get; } = first;
    public ushort Last { get; } = last;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ushort For(ulong position) => (ushort)(First + (uint)(position % (uint)(Last - First + 1)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Contains(ushort port) => port >= First && port <= Last;
}
