using RawScan.Targets;

namespace RawScan.Routing;

/// <summary>
/// The capture filter of an IPv6 scan, the twin of <see cref="NetPathResolver.CaptureFilter"/>: TCP and
/// UDP to our source address and ports, ICMPv6 errors (types 1 to 4) to our source, and, when RawScan
/// answers Neighbor Discovery for a source the host does not own, the solicitations for it. libpcap
/// reads the ICMPv6 type right after the fixed header (no extension headers), as it does for "icmp6[0]".
/// </summary>
internal static class CaptureFilter6
{
    public static string For(UInt128 source, ushort firstPort, ushort lastPort, bool answerNdp)
    {
        string me = Ipv6.Format(source);
        string filter = $"(ip6 and (tcp or udp) and dst host {me} and dst portrange {firstPort}-{lastPort})"
                      + $" or (icmp6 and dst host {me} and ip6[40] >= 1 and ip6[40] <= 4)";
        if (answerNdp) filter += $" or ({Ndp.SolicitationFilter(source)})";
        return filter;
    }
}
