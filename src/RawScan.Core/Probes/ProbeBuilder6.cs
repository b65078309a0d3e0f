using System.Runtime.CompilerServices;
using RawScan.Results;
using RawScan.Targets;

namespace RawScan.Probes;

/// <summary>
/// <see cref="ProbeBuilder"/> for IPv6 targets: the probe for a four-tuple of either protocol, from
/// the IPv6 templates, with the cookie over both 128-bit addresses (same key, protocol in the hash).
/// A SYN carries the cookie as its sequence number; a UDP probe wherever its payload's protocol
/// echoes a value (the payload writers are IPv4's). The receive side rebuilds a UDP probe with it to
/// compare the checksum an ICMPv6 error quotes (<see cref="Match.ReplyMatcher6"/>).
/// </summary>
internal sealed class ProbeBuilder6(Tcp6Template tcp, SynCookie cookie, Udp6Template? udp = null, IUdpPayloads? payloads = null)
{
    private readonly SourceCookie6 _cookie = cookie.For(tcp.SourceIp);

    public UInt128 SourceIp => tcp.SourceIp;
    public SynCookie Cookie => cookie;

    /// <summary>The cookie with this scan's source absorbed, for the receive side's checks too.</summary>
    public SourceCookie6 SourceCookie => _cookie;
    public IUdpPayloads Payloads { get; } = payloads ?? ProbeBuilder.NoPayloads.Instance;

    /// <summary>The longest frame a probe of this scan can be, for the batch's stride.</summary>
    public int MaxFrameLength(ScanTypes types, IEnumerable<ushort> udpPorts)
    {
        int max = Tcp6Template.FrameLength;
        if (types.HasFlag(ScanTypes.Udp))
        {
            Span<byte> scratch = stackalloc byte[Udp6Template.HeaderLength + Udp6Template.MaxPayload];
            foreach (var probe in udpPorts.Select(Payloads.For).Distinct())
                max = Math.Max(max, Udp6Template.HeaderLength + probe.Write(scratch[Udp6Template.HeaderLength..], 0));
        }
        return max;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Write(Span<byte> frame, UInt128 dst, ushort sport, ushort dport, Protocol protocol)
    {
        uint c = _cookie.Compute(dst, sport, dport, (byte)protocol);
        if (protocol == Protocol.Tcp) return tcp.Write(frame, dst, sport, dport, c);
        return udp!.Write(frame, dst, sport, dport, Payloads.For(dport), c);
    }
}
