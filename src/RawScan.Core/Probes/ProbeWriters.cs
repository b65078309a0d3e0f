using System.Runtime.CompilerServices;
using RawScan.Results;
using RawScan.Targets;

namespace RawScan.Probes;

/// <summary>
/// The probe writers of a scan's families: IPv4's always (its templates cost nothing unused), IPv6's
/// when the scan has IPv6 targets. One test of the address's family per probe picks the writer; each
/// family's code is its own (<see cref="ProbeBuilder"/>, <see cref="ProbeBuilder6"/>).
/// </summary>
internal sealed class ProbeWriters(ProbeBuilder v4, ProbeBuilder6? v6 = null)
{
    /// <summary>An IPv4-only scan's writers.</summary>
    public static implicit operator ProbeWriters(ProbeBuilder v4) => new(v4);

    public ProbeBuilder V4 { get; } = v4;
    public ProbeBuilder6? V6 { get; } = v6;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Write(Span<byte> frame, UInt128 dst, ushort sport, ushort dport, Protocol protocol) =>
        Ip.IsV4(dst) ? V4.Write(frame, Ip.ToV4(dst), sport, dport, protocol) : Write6(frame, dst, sport, dport, protocol);

    // A call, not inlined into the send loop: the loop is compiled fully optimised at start
    // (AggressiveOptimization), and IPv6's writer inlined there made every scan compile it.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int Write6(Span<byte> frame, UInt128 dst, ushort sport, ushort dport, Protocol protocol) => V6!.Write(frame, dst, sport, dport, protocol);

    /// <summary>The longest frame a probe of this scan can be, either family, for the batch's stride.</summary>
    public int MaxFrameLength(ScanTypes types, IEnumerable<ushort> udpPorts) =>
        Math.Max(V4.MaxFrameLength(types, udpPorts), V6?.MaxFrameLength(types, udpPorts) ?? 0);
}
