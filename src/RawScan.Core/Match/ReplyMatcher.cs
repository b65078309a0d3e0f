using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using RawScan.Probes;
using RawScan.Receive;
using RawScan.Results;

namespace RawScan.Match;

/// <summary>What a captured frame turned out to be.</summary>
internal enum MatchOutcome
{
    /// <summary>Not addressed to this scan.</summary>
    NotOurs,
    /// <summary>Addressed to this scan but failing the proof: forged, or from another scan.</summary>
    Forged,
    /// <summary>Proved (or, where the protocol cannot prove it, claimed) to answer one of our probes: see the result.</summary>
    Result,
    /// <summary>Ours but saying nothing about the port (e.g. ICMP fragmentation needed).</summary>
    Ignored,
}

/// <summary>
/// Decides whether a reply answers one of our probes, by proof where the protocol allows one:
/// <list type="bullet">
/// <item>TCP: ack-1 equals the keyed cookie of the four-tuple (masscan syn-cookie.c).</item>
/// <item>UDP: the echo the port's protocol returns (DNS ID and name case, SNMP request-id, NTP origin
/// time...) equals the cookie's (proto-response); any other datagram from the probed port is still an
/// answer, as nmap and zmap count it (udp-response), but only the four-tuple table can vouch for it
/// (it must come back to the source port of a probe in flight).</item>
/// <item>ICMP errors: the quoted header must be our probe's: for TCP its sequence number is the
/// cookie; for UDP its checksum, which covers the cookie-bearing payload, must be our probe's.</item>
/// </list>
/// States and reasons follow nmap: TCP SYN-ACK open (syn-ack), RST closed (reset); UDP reply open,
/// ICMP port unreachable closed (port-unreach); ICMP unreachable 0, 1, 2, 3 (TCP), 9, 10, 13 filtered
/// (net-unreach, host-unreach, proto-unreach, port-unreach, net-prohibited, host-prohibited, admin-prohibited).
/// </summary>
internal sealed class ReplyMatcher(ProbeBuilder probes, SourcePorts ours)
{
    private readonly SynCookie _cookie = probes.Cookie;
    private readonly uint _me = probes.SourceIp;

    public ReplyMatcher(SynCookie cookie, uint sourceIp, ushort firstSourcePort, ushort lastSourcePort)
        : this(new ProbeBuilder(new TcpTemplate(new byte[6], new byte[6], sourceIp), cookie), new SourcePorts(firstSourcePort, lastSourcePort)) { }

    /// <summary>Matches a reply; <paramref name="ourPort"/> is the source port of the probe it answers, and
    /// <paramref name="proved"/> says whether the reply proved itself (else the table must vouch for it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public MatchOutcome Match(in Packet p, ReadOnlySpan<byte> frame, out PortResult result, out ushort ourPort, out bool proved, long timestampMicros)
    {
        result = default; ourPort = 0; proved = true;
        if (p.IsIpv6 || p.DstIp != _me) return MatchOutcome.NotOurs;
        switch (p.Protocol)
        {
            case Packet.ProtoTcp:
            {
                if (!ours.Contains(p.DstPort)) return MatchOutcome.NotOurs;
                ourPort = p.DstPort;
                // The reply's source is our probe's destination: recompute the cookie the SYN carried.
                if (p.Ack - 1 != _cookie.Compute(_me, p.SrcIp, p.DstPort, p.SrcPort)) return MatchOutcome.Forged;
                PortState state;
                PortReason reason;
                if ((p.TcpFlags & (Packet.SYN | Packet.ACK)) == (Packet.SYN | Packet.ACK)) (state, reason) = (PortState.Open, PortReason.SynAck);
                else if ((p.TcpFlags & Packet.RST) != 0) (state, reason) = (PortState.Closed, PortReason.Reset);
                else return MatchOutcome.Forged;
                result = new PortResult(p.SrcIp, Protocol.Tcp, p.SrcPort, state, p.Ttl, timestampMicros, reason);
                return MatchOutcome.Result;
            }
            case Packet.ProtoUdp:
            {
                if (!ours.Contains(p.DstPort)) return MatchOutcome.NotOurs;
                ourPort = p.DstPort;
                // nmap's rule: any datagram from the probed address and port to the probe's source port
                // means the port is open (udp-response), whatever it says: an echo service on 161
                // reflects our SNMP request, a daemon answers a question we did not ask. Such a reply
                // cannot prove itself, so the table must vouch for it (a probe in flight from that
                // source port). Where it echoes the cookie our protocol probe carried (DNS ID and name
                // case, SNMP request-id, NTP origin, Call-ID...), it proves itself and confirms the
                // service: proto-response.
                uint cookie = _cookie.Compute(_me, p.SrcIp, p.DstPort, p.SrcPort, Packet.ProtoUdp);
                var payload = frame.Slice(p.PayloadOffset, p.PayloadLength);
                proved = probes.Payloads.For(p.SrcPort).Check(payload, cookie) == EchoCheck.Proved;
                result = new PortResult(p.SrcIp, Protocol.Udp, p.SrcPort, PortState.Open, p.Ttl, timestampMicros,
                    proved ? PortReason.ProtoResponse : PortReason.UdpResponse);
                return MatchOutcome.Result;
            }
            case Packet.ProtoIcmp when p.HasQuote && p.QuotedSrcIp == _me && ours.Contains(p.QuotedSrcPort):
                ourPort = p.QuotedSrcPort;
                return p.QuotedProtocol switch
                {
                    Packet.ProtoTcp => MatchIcmpTcp(p, out result, timestampMicros),
                    Packet.ProtoUdp => MatchIcmpUdp(p, frame, out result, out proved, timestampMicros),
                    _ => MatchOutcome.NotOurs,
                };
            default:
                return MatchOutcome.NotOurs;
        }
    }

    /// <summary>For tests and callers that only care about TCP.</summary>
    public MatchOutcome Match(in Packet p, out PortResult result, long timestampMicros) =>
        Match(p, default, out result, out _, out _, timestampMicros);

    private MatchOutcome MatchIcmpTcp(in Packet p, out PortResult result, long timestampMicros)
    {
        result = default;
        if (!p.QuotedHasSeq || p.QuotedSeq != _cookie.Compute(_me, p.QuotedDstIp, p.QuotedSrcPort, p.QuotedDstPort))
            return MatchOutcome.Forged;
        // The unreachable codes that say something of the port are those that have a reason (0-3, 9, 10, 13).
        var reason = p.IcmpType == 3 ? PortReasonNames.FromIcmpUnreachable(p.IcmpCode) : PortReason.Unknown;
        if (reason == PortReason.Unknown) return MatchOutcome.Ignored;
        result = new PortResult(p.QuotedDstIp, Protocol.Tcp, p.QuotedDstPort, PortState.Filtered, p.Ttl, timestampMicros, reason);
        return MatchOutcome.Result;
    }

    private MatchOutcome MatchIcmpUdp(in Packet p, ReadOnlySpan<byte> frame, out PortResult result, out bool proved, long timestampMicros)
    {
        result = default;
        proved = false;                                    // a checksum is 16 bits: the table must vouch too
        // Rebuild the probe we sent to the quoted four-tuple; its UDP checksum must be the quoted one.
        Span<byte> probe = stackalloc byte[UdpTemplate.HeaderLength + UdpTemplate.MaxPayload];
        probes.Write(probe, p.QuotedDstIp, p.QuotedSrcPort, p.QuotedDstPort, Protocol.Udp);
        if (BinaryPrimitives.ReadUInt16BigEndian(probe[(UdpTemplate.UdpOffset + 6)..]) != p.QuotedUdpChecksum) return MatchOutcome.Forged;
        var reason = p.IcmpType == 3 ? PortReasonNames.FromIcmpUnreachable(p.IcmpCode) : PortReason.Unknown;
        if (reason == PortReason.Unknown) return MatchOutcome.Ignored;
        // Port unreachable is the closed port's answer; the others are a filter's.
        var state = reason == PortReason.PortUnreach ? PortState.Closed : PortState.Filtered;
        result = new PortResult(p.QuotedDstIp, Protocol.Udp, p.QuotedDstPort, state, p.Ttl, timestampMicros, reason);
        return MatchOutcome.Result;
    }
}
