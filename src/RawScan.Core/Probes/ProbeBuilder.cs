using System.Runtime.CompilerServices;
using RawScan.Results;
using RawScan.Targets;

namespace RawScan.Probes;

/// <summary>
/// Writes the probe for a four-tuple of either protocol: a TCP SYN from its template, or a UDP
/// datagram from its template and the port's payload. The cookie is the same keyed hash for both,
/// with the protocol in the key; a SYN carries it as its sequence number, a UDP probe wherever its
/// protocol echoes a value. The receive side uses the same builder to recompute what a probe was.
/// </summary>
internal sealed class ProbeBuilder(TcpTemplate tcp, SynCookie cookie, UdpTemplate? udp = null, IUdpPayloads? payloads = null)
{
    public uint SourceIp => tcp.SourceIp;
    public SynCookie Cookie => cookie;
    public IUdpPayloads Payloads { get; } = payloads ?? NoPayloads.Instance;

    /// <summary>The longest frame a probe of this scan can be, for the batch's stride.</summary>
    public int MaxFrameLength(ScanTypes types, IEnumerable<ushort> udpPorts)
    {
        int max = TcpTemplate.FrameLength;
        if (types.HasFlag(ScanTypes.Udp))
        {
            Span<byte> scratch = stackalloc byte[UdpTemplate.HeaderLength + UdpTemplate.MaxPayload];
            foreach (var probe in udpPorts.Select(Payloads.For).Distinct())
                max = Math.Max(max, UdpTemplate.HeaderLength + probe.Write(scratch[UdpTemplate.HeaderLength..], 0));
        }
        return max;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Write(Span<byte> frame, uint dst, ushort sport, ushort dport, Protocol protocol)
    {
        uint c = cookie.Compute(tcp.SourceIp, dst, sport, dport, (byte)protocol);
        if (protocol == Protocol.Tcp) return tcp.Write(frame, dst, sport, dport, c, (ushort)(c >> 16));
        return udp!.Write(frame, dst, sport, dport, (ushort)(c >> 16), Payloads.For(dport), c);
    }

    /// <summary>Every UDP port's probe is empty: a scan given no payload table (both families' builders).</summary>
    internal sealed class NoPayloads : IUdpPayloads
    {
        public static NoPayloads Instance { get; } = new();
        public IUdpProbe For(ushort port) => EmptyUdpProbe.Instance;
    }
}
