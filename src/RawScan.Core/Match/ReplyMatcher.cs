using System.Runtime.CompilerServices;
using RawScan.Probes;
using RawScan.Receive;
using RawScan.Results;

namespace RawScan.Match;

/// <summary>What a captured frame turned out to be.</summary>
public enum MatchOutcome
{
    /// <summary>Not addressed to this scan.</summary>
    NotOurs,
    /// <summary>Addressed to this scan but failing the proof: forged, or from another scan.</summary>
    Forged,
    /// <summary>Proved to answer one of our probes: see the result.</summary>
    Result,
    /// <summary>Proved ours but saying nothing about the port (e.g. ICMP time exceeded).</summary>
    Ignored,
}

/// <summary>
/// Decides whether a reply answers one of our probes, by proof only. TCP: ack-1 must equal the keyed
/// cookie of the four-tuple (masscan syn-cookie.c). ICMP errors: the TCP header they quote must be
/// our probe's, with the cookie as its sequence number. Anything else is not ours or forged.
/// States follow nmap's -sS: SYN-ACK open, RST closed, ICMP unreachable 0, 1, 2, 3, 9, 10 or 13
/// filtered.
/// </summary>
public sealed class ReplyMatcher(SynCookie cookie, uint sourceIp, ushort firstSourcePort, ushort lastSourcePort)
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public MatchOutcome Match(in Packet p, out PortResult result, long timestampMicros)
    {
        result = default;
        if (p.IsIpv6 || p.DstIp != sourceIp) return MatchOutcome.NotOurs;
        if (p.Protocol == Packet.ProtoTcp)
        {
            if (p.DstPort < firstSourcePort || p.DstPort > lastSourcePort) return MatchOutcome.NotOurs;
            // The reply's source is our probe's destination: recompute the cookie the SYN carried.
            if (p.Ack - 1 != cookie.Compute(sourceIp, p.SrcIp, p.DstPort, p.SrcPort)) return MatchOutcome.Forged;
            PortState state;
            if ((p.TcpFlags & (Packet.SYN | Packet.ACK)) == (Packet.SYN | Packet.ACK)) state = PortState.Open;
            else if ((p.TcpFlags & Packet.RST) != 0) state = PortState.Closed;
            else return MatchOutcome.Forged;
            result = new PortResult(p.SrcIp, Protocol.Tcp, p.SrcPort, state, p.Ttl, timestampMicros);
            return MatchOutcome.Result;
        }
        if (p.Protocol == Packet.ProtoIcmp && p.HasQuote)
            return MatchIcmp(p, out result, timestampMicros);
        return MatchOutcome.NotOurs;
    }

    private MatchOutcome MatchIcmp(in Packet p, out PortResult result, long timestampMicros)
    {
        result = default;
        if (p.QuotedProtocol != Packet.ProtoTcp || p.QuotedSrcIp != sourceIp
            || p.QuotedSrcPort < firstSourcePort || p.QuotedSrcPort > lastSourcePort)
            return MatchOutcome.NotOurs;
        if (!p.QuotedHasSeq || p.QuotedSeq != cookie.Compute(sourceIp, p.QuotedDstIp, p.QuotedSrcPort, p.QuotedDstPort))
            return MatchOutcome.Forged;
        if (p.IcmpType != 3 || p.IcmpCode is not (0 or 1 or 2 or 3 or 9 or 10 or 13)) return MatchOutcome.Ignored;
        result = new PortResult(p.QuotedDstIp, Protocol.Tcp, p.QuotedDstPort, PortState.Filtered, p.Ttl, timestampMicros);
        return MatchOutcome.Result;
    }
}
