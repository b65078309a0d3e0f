using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using RawScan.Probes;
using RawScan.Receive;
using RawScan.Results;

namespace RawScan.Match;

/// <summary>What a reply over IPv6 says of one probe: a <see cref="PortResult"/>'s fields with a 128-bit address; the caller adds the time.</summary>
internal readonly record struct Reply6(UInt128 Address, Protocol Protocol, ushort Port, PortState State, byte HopLimit, PortReason Reason);

/// <summary>
/// <see cref="ReplyMatcher"/>'s rules for replies to IPv6 probes, with the same outcomes and the same
/// proofs: a SYN-ACK's or RST's ack-1 is the cookie of the four-tuple over both 128-bit addresses; a
/// UDP reply proves itself by the echo its protocol returns, or else the four-tuple table must vouch
/// for it; an ICMPv6 error must quote our probe: for TCP the cookie as the sequence number, for UDP
/// the checksum our probe to the quoted four-tuple had. States and reasons follow nmap
/// (<see cref="Icmp6Unreachable"/>). A class of its own so the IPv4 matcher's code and cost stay as
/// they are; the receive loop picks one by <see cref="Packet.IsIpv6"/>.
/// </summary>
internal sealed class ReplyMatcher6(ProbeBuilder6 probes, SourcePorts ours)
{
    private readonly SourceCookie6 _cookie = probes.SourceCookie;
    private readonly UInt128 _me = probes.SourceIp;

    /// <summary>Matches a reply; <paramref name="ourPort"/> is the source port of the probe it answers, and
    /// <paramref name="proved"/> says whether the reply proved itself (else the table must vouch for it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public MatchOutcome Match(in Packet p, ReadOnlySpan<byte> frame, out Reply6 reply, out ushort ourPort, out bool proved)
    {
        reply = default; ourPort = 0; proved = true;
        if (!p.IsIpv6 || p.DstIp6 != _me) return MatchOutcome.NotOurs;
        switch (p.Protocol)
        {
            case Packet.ProtoTcp:
            {
                if (!ours.Contains(p.DstPort)) return MatchOutcome.NotOurs;
                ourPort = p.DstPort;
                if (p.Ack - 1 != _cookie.Compute(p.SrcIp6, p.DstPort, p.SrcPort)) return MatchOutcome.Forged;
                if ((p.TcpFlags & (Packet.SYN | Packet.ACK)) == (Packet.SYN | Packet.ACK))
                    reply = new Reply6(p.SrcIp6, Protocol.Tcp, p.SrcPort, PortState.Open, p.Ttl, PortReason.SynAck);
                else if ((p.TcpFlags & Packet.RST) != 0)
                    reply = new Reply6(p.SrcIp6, Protocol.Tcp, p.SrcPort, PortState.Closed, p.Ttl, PortReason.Reset);
                else return MatchOutcome.Forged;
                return MatchOutcome.Result;
            }
            case Packet.ProtoUdp:
            {
                if (!ours.Contains(p.DstPort)) return MatchOutcome.NotOurs;
                ourPort = p.DstPort;
                // As over IPv4 (nmap's rule): any datagram from the probed address and port is an answer;
                // it proves itself only by echoing the cookie its protocol probe carried.
                uint cookie = _cookie.Compute(p.SrcIp6, p.DstPort, p.SrcPort, Packet.ProtoUdp);
                proved = probes.Payloads.For(p.SrcPort).Check(frame.Slice(p.PayloadOffset, p.PayloadLength), cookie) == EchoCheck.Proved;
                reply = new Reply6(p.SrcIp6, Protocol.Udp, p.SrcPort, PortState.Open, p.Ttl, proved ? PortReason.ProtoResponse : PortReason.UdpResponse);
                return MatchOutcome.Result;
            }
            case Packet.ProtoIcmp6 when p.HasQuote && p.QuotedSrcIp6 == _me && ours.Contains(p.QuotedSrcPort):
                ourPort = p.QuotedSrcPort;
                return p.QuotedProtocol switch
                {
                    Packet.ProtoTcp => MatchIcmpTcp(p, out reply),
                    Packet.ProtoUdp => MatchIcmpUdp(p, out reply, out proved),
                    _ => MatchOutcome.NotOurs,
                };
            default:
                return MatchOutcome.NotOurs;
        }
    }

    private MatchOutcome MatchIcmpTcp(in Packet p, out Reply6 reply)
    {
        reply = default;
        if (!p.QuotedHasSeq || p.QuotedSeq != _cookie.Compute(p.QuotedDstIp6, p.QuotedSrcPort, p.QuotedDstPort))
            return MatchOutcome.Forged;
        return Verdict(p, Protocol.Tcp, out reply);
    }

    private MatchOutcome MatchIcmpUdp(in Packet p, out Reply6 reply, out bool proved)
    {
        reply = default;
        proved = false;                                    // a checksum is 16 bits: the table must vouch too
        // Rebuild the probe we sent to the quoted four-tuple; its UDP checksum must be the quoted one.
        Span<byte> probe = stackalloc byte[Udp6Template.HeaderLength + Udp6Template.MaxPayload];
        probes.Write(probe, p.QuotedDstIp6, p.QuotedSrcPort, p.QuotedDstPort, Protocol.Udp);
        if (BinaryPrimitives.ReadUInt16BigEndian(probe[(Udp6Template.UdpOffset + 6)..]) != p.QuotedUdpChecksum) return MatchOutcome.Forged;
        return Verdict(p, Protocol.Udp, out reply);
    }

    /// <summary>Destination unreachable says something of the port; the other errors (too big, time exceeded, parameter problem) are ours but do not.</summary>
    private static MatchOutcome Verdict(in Packet p, Protocol protocol, out Reply6 reply)
    {
        reply = default;
        if (p.IcmpType != Icmp6Unreachable.Type
            || !Icmp6Unreachable.TryVerdict(p.IcmpCode, protocol, fromTarget: p.SrcIp6 == p.QuotedDstIp6, out var state, out var reason))
            return MatchOutcome.Ignored;
        reply = new Reply6(p.QuotedDstIp6, protocol, p.QuotedDstPort, state, p.Ttl, reason);
        return MatchOutcome.Result;
    }
}
