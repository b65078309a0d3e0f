using RawScan.Results;

namespace RawScan.Match;

/// <summary>
/// What an ICMPv6 destination unreachable (type 1, RFC 4443 3.1) that quotes one of our probes says
/// about the probed port, as nmap decides it (scan_engine_raw.cc, the ICMPv6 branch): port
/// unreachable (4) from the target itself is a closed UDP port; every other code, and port
/// unreachable for TCP or from anyone but the target (a router, or the target's interface address
/// answering for an address that is only routed to it), is a filter's: filtered. The reason is nmap's
/// word for the code (<see cref="PortReasonNames.FromIcmp6Unreachable"/>).
/// </summary>
internal static class Icmp6Unreachable
{
    public const byte Type = 1;

    /// <summary>
    /// The state and reason for code <paramref name="code"/> about a probe of <paramref name="protocol"/>;
    /// false for a code that says nothing of the port (RFC 4443 defines 0 to 6; 7 and 8 are source
    /// routing errors of RFC 6550 and 8754; anything else is unassigned).
    /// </summary>
    /// <param name="fromTarget">The error's source is the probe's destination (the quoted header's destination address).</param>
    public static bool TryVerdict(byte code, Protocol protocol, bool fromTarget, out PortState state, out PortReason reason)
    {
        reason = PortReasonNames.FromIcmp6Unreachable(code);
        state = reason == PortReason.PortUnreach && protocol == Protocol.Udp && fromTarget ? PortState.Closed : PortState.Filtered;
        return reason != PortReason.Unknown;
    }
}
