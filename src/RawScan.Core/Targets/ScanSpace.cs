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

    /// <summary>
    /// The index of the probe to (address, port, protocol), the inverse of <see cref="Decode(ulong, out UInt128, out ushort, out Protocol)"/>;
    /// false when the scan has no such probe (a reply from outside it). Two binary searches over the
    /// target and port ranges: how a reply finds its probe in the four-tuple table, for either family.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryIndexOf(UInt128 address, ushort port, Protocol protocol, out ulong index)
    {
        index = 0;
        int rank = protocol == Protocol.Tcp ? Ports.Tcp.IndexOf(port) : Ports.Udp.IndexOf(port) is var u and >= 0 ? Ports.Tcp.Count + u : -1;
        if (rank < 0 || !Targets.TryIndexOf(address, out ulong a)) return false;
        index = (ulong)rank * _addresses + a;
        return true;
    }

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
