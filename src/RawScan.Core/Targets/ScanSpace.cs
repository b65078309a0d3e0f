using System.Runtime.CompilerServices;
using RawScan.Results;

namespace RawScan.Targets;

/// <summary>
/// The scan as an index space: probe i in [0, Count) is (address, protocol, port), never materialised.
/// TCP ports come first, then UDP ports, so one permutation covers both. Addresses vary fastest, so
/// consecutive indices hit different hosts even before any permutation.
/// </summary>
internal sealed class ScanSpace
{
    public const ulong MaxCount = ScanSize.Max;

    private readonly ulong _addresses;

    public ScanSpace(TargetSet targets, ScanPorts ports)
    {
        var size = Size(targets, ports);
        if (size > MaxCount) throw new ArgumentOutOfRangeException(nameof(targets), $"{size} probes: more than {MaxCount} (check with Size first)");
        Targets = targets;
        Ports = ports;
        _addresses = (ulong)targets.Count;
        Count = (ulong)size;
    }

    public ScanSpace(TargetSet targets, PortSet tcpPorts) : this(targets, new ScanPorts(tcpPorts, PortSet.None)) { }

    public static UInt128 Size(TargetSet targets, ScanPorts ports) => ScanSize.Of(targets, ports);

    public TargetSet Targets { get; }
    public ScanPorts Ports { get; }
    public ulong Count { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Decode(ulong index, out UInt128 address, out ushort port) => Decode(index, out address, out port, out _);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Decode(ulong index, out UInt128 address, out ushort port, out Protocol protocol)
    {
        ulong n = _addresses;
        address = Targets[index % n];
        int p = (int)(index / n), tcp = Ports.Tcp.Count;
        if (p < tcp) { port = Ports.Tcp[p]; protocol = Protocol.Tcp; }
        else { port = Ports.Udp[p - tcp]; protocol = Protocol.Udp; }
    }
}
