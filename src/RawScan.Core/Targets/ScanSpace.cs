using System.Runtime.CompilerServices;
using RawScan.Results;

namespace RawScan.Targets;

/// <summary>
/// The scan as an index space: probe i in [0, Count) is (address, protocol, port), never materialised.
/// TCP ports come first, then UDP ports, so one permutation covers both. Addresses vary fastest, so
/// consecutive indices hit different hosts even before any permutation.
/// </summary>
internal sealed class ScanSpace(TargetSet targets, ScanPorts ports)
{
    public ScanSpace(TargetSet targets, PortSet tcpPorts) : this(targets, new ScanPorts(tcpPorts, PortSet.None)) { }

    public TargetSet Targets { get; } = targets;
    public ScanPorts Ports { get; } = ports;
    public ulong Count { get; } = targets.Count * (ulong)ports.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Decode(ulong index, out uint address, out ushort port) => Decode(index, out address, out port, out _);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Decode(ulong index, out uint address, out ushort port, out Protocol protocol)
    {
        ulong n = Targets.Count;
        address = Targets[index % n];
        int p = (int)(index / n), tcp = Ports.Tcp.Count;
        if (p < tcp) { port = Ports.Tcp[p]; protocol = Protocol.Tcp; }
        else { port = Ports.Udp[p - tcp]; protocol = Protocol.Udp; }
    }
}
