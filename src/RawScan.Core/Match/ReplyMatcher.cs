using System.Runtime.CompilerServices;
using RawScan.Probes;
using RawScan.Receive;
using RawScan.Results;

namespace RawScan.Match;

/// <summary>What a captured frame turned out to be.</summary>
public enum MatchOutcome { NotOurs, Forged, Result }

/// <summary>
/// Decides whether a reply answers one of our probes, by proof only: a TCP reply's ack-1 must equal
/// the keyed cookie of its four-tuple (masscan syn-cookie.c). Anything else is not ours or forged.
/// </summary>
public sealed class ReplyMatcher(SynCookie cookie, uint sourceIp, ushort firstSourcePort, ushort lastSourcePort)
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public MatchOutcome Match(in Packet p, out PortResult result, long timestampMicros)
    {
        result = default;
        if (p.Protocol != 6 || p.DstIp != sourceIp || p.DstPort < firstSourcePort || p.DstPort > lastSourcePort)
            return MatchOutcome.NotOurs;
        // The reply's source is our probe's destination: recompute the cookie the SYN carried.
        uint expected = cookie.Compute(sourceIp, p.SrcIp, p.DstPort, p.SrcPort);
        if (p.Ack - 1 != expected) return MatchOutcome.Forged;
        PortState state;
        if ((p.TcpFlags & (Packet.SYN | Packet.ACK)) == (Packet.SYN | Packet.ACK)) state = PortState.Open;
        else if ((p.TcpFlags & Packet.RST) != 0) state = PortState.Closed;
        else return MatchOutcome.Forged;
        result = new PortResult(p.SrcIp, Protocol.Tcp, p.SrcPort, state, p.Ttl, timestampMicros);
        return MatchOutcome.Result;
    }
}
