namespace RawScan.Results;

/// <summary>
/// Why a port is in its state, in nmap's words (nmap's reason.cc), so a report reads as nmap's
/// <c>--reason</c> does and tools that read nmap's XML understand it.
/// </summary>
public enum PortReason : byte
{
    /// <summary>Not known: a result read back from a report that did not say.</summary>
    Unknown,
    /// <summary>TCP: a SYN-ACK (open).</summary>
    SynAck,
    /// <summary>TCP: a RST (closed).</summary>
    Reset,
    /// <summary>UDP: a datagram from the probed address and port to the probe's source port (open; nmap's word).</summary>
    UdpResponse,
    /// <summary>UDP: a reply that echoes the cookie our protocol probe carried: open, and the service is confirmed.</summary>
    ProtoResponse,
    /// <summary>ICMP unreachable code 3 (UDP closed).</summary>
    PortUnreach,
    /// <summary>ICMP unreachable code 0.</summary>
    NetUnreach,
    /// <summary>ICMP unreachable code 1.</summary>
    HostUnreach,
    /// <summary>ICMP unreachable code 2.</summary>
    ProtoUnreach,
    /// <summary>ICMP unreachable code 9.</summary>
    NetProhibited,
    /// <summary>ICMP unreachable code 10.</summary>
    HostProhibited,
    /// <summary>ICMP unreachable code 13 (a firewall's reject).</summary>
    AdminProhibited,
    /// <summary>No reply after every try (filtered, or open|filtered for UDP).</summary>
    NoResponse,
    // ICMPv6 destination unreachable's own codes (RFC 4443 3.1), appended so that the values written
    // before them (journals, resume files) keep their meaning. Codes 1, 3, 4 and 5 read as the IPv4
    // reasons nmap gives them: admin-prohibited, host-unreach, port-unreach, admin-prohibited.
    /// <summary>ICMPv6 unreachable code 0: no route to destination.</summary>
    NoRoute,
    /// <summary>ICMPv6 unreachable code 2: beyond the scope of the source address.</summary>
    BeyondScope,
    /// <summary>ICMPv6 unreachable code 6: reject route to destination.</summary>
    RejectRoute,
}

public static class PortReasonNames
{
    private static readonly string[] Names =
    [
        "unknown", "syn-ack", "reset", "udp-response", "proto-response", "port-unreach", "net-unreach",
        "host-unreach", "proto-unreach", "net-prohibited", "host-prohibited", "admin-prohibited", "no-response",
        "no-route", "beyond-scope", "reject-route",
    ];

    /// <summary>nmap's word for the reason ("syn-ack", "reset", "port-unreach", "no-response"...).</summary>
    public static string Name(this PortReason r) => (uint)r < (uint)Names.Length ? Names[(int)r] : "unknown";

    /// <summary>The reason named <paramref name="s"/> (nmap's word); false for any other text.</summary>
    public static bool TryParse(string? s, out PortReason reason)
    {
        int i = s is null ? -1 : Array.IndexOf(Names, s);
        reason = i >= 0 ? (PortReason)i : PortReason.Unknown;
        return i >= 0;
    }

    /// <summary>The reason an ICMP destination unreachable of code <paramref name="code"/> gives (ICMPv4 type 3).</summary>
    public static PortReason FromIcmpUnreachable(byte code) => code switch
    {
        0 => PortReason.NetUnreach,
        1 => PortReason.HostUnreach,
        2 => PortReason.ProtoUnreach,
        3 => PortReason.PortUnreach,
        9 => PortReason.NetProhibited,
        10 => PortReason.HostProhibited,
        13 => PortReason.AdminProhibited,
        _ => PortReason.Unknown,
    };

    /// <summary>
    /// The reason an ICMPv6 destination unreachable (type 1) of code <paramref name="code"/> gives, in
    /// nmap's words (portreasons.cc icmpv6_to_reason): 0 no-route, 1 admin-prohibited, 2 beyond-scope,
    /// 3 host-unreach (address unreachable), 4 port-unreach, 5 admin-prohibited (source address failed
    /// ingress/egress policy), 6 reject-route; any other code says nothing of the port.
    /// </summary>
    public static PortReason FromIcmp6Unreachable(byte code) => code switch
    {
        0 => PortReason.NoRoute,
        1 => PortReason.AdminProhibited,
        2 => PortReason.BeyondScope,
        3 => PortReason.HostUnreach,
        4 => PortReason.PortUnreach,
        5 => PortReason.AdminProhibited,
        6 => PortReason.RejectRoute,
        _ => PortReason.Unknown,
    };

    /// <summary>The reason a result in <paramref name="state"/> has when a report did not say one: what nmap would have said.</summary>
    public static PortReason Default(PortState state, Protocol protocol) => state switch
    {
        PortState.Open => protocol == Protocol.Tcp ? PortReason.SynAck : PortReason.UdpResponse,
        PortState.Closed => protocol == Protocol.Tcp ? PortReason.Reset : PortReason.PortUnreach,
        _ => PortReason.NoResponse,
    };

    /// <summary>The host sent something: a result for a reason other than silence means the host is up.</summary>
    public static bool HostAnswered(this PortReason r) => r is not (PortReason.NoResponse or PortReason.Unknown);
}
