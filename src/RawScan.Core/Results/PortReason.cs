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
}

public static class PortReasonNames
{
    private static readonly string[] Names =
    [
        "unknown", "syn-ack", "reset", "udp-response", "proto-response", "port-unreach", "net-unreach",
        "host-unreach", "proto-unreach", "net-prohibited", "host-prohibited", "admin-prohibited", "no-response",
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
