using RawScan.Results;
using RawScan.Targets;

namespace RawScan.Lab;

/// <summary>
/// Everything a lab is made of, in one place: <see cref="LabManager"/> builds the namespaces from it,
/// <see cref="LabServices"/> serves from it and <see cref="LabTruth"/> writes it to truth.json, so
/// the network and what tests expect of it cannot drift apart.
/// </summary>
/// <remarks>
/// The addresses come from 198.18.0.0/15, the block RFC 2544 sets aside for benchmarking, so they
/// never clash with a real network on the host; IPv6 ones from 2001:db8::/32 (<see cref="LiveRange6"/>
/// and the rest of the IPv6 side). The setters are internal: a lab is always this
/// design; only <see cref="LabTruth.Load"/> (and tests) set them, to rebuild a spec from its file.
/// </remarks>
public sealed record LabSpec
{
    public const string DefaultName = "rawscan";
    public const int MaxNameLength = 16;

    /// <summary>The lab <c>rawscan lab up</c> makes when no name is given.</summary>
    public static LabSpec Default { get; } = For(DefaultName);

    private LabSpec(string name) => Name = name;

    /// <summary>The lab called <paramref name="name"/>: 1-16 characters of [a-z0-9-].</summary>
    /// <exception cref="BadInputException">The name has other characters or length.</exception>
    public static LabSpec For(string name)
    {
        ValidateName(name);
        return new LabSpec(name);
    }

    /// <summary>
    /// Names become namespace names (and so file names under /run/netns): the alphabet keeps them
    /// safe as one path segment and one command argument, the length keeps them short to type.
    /// </summary>
    /// <exception cref="BadInputException">The name is not 1-16 characters of [a-z0-9-].</exception>
    public static void ValidateName(string name)
    {
        if (NameProblem(name) is string reason) throw new BadInputException("lab name", name, reason);
    }

    public static bool IsValidName(string name) => NameProblem(name) is null;

    private static string? NameProblem(string name)
    {
        if (name.Length is 0 or > MaxNameLength) return $"must be 1-{MaxNameLength} characters long";
        foreach (char c in name)
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')) return "may hold only a-z, 0-9 and '-'";
        return null;
    }

    public string Name { get; }

    /// <summary>Where the scanner runs: no default route and no link but the one to the target.</summary>
    public string ScannerNamespace => $"rawscan-{Name}-scan";

    /// <summary>Where every address of <see cref="LiveRange"/> lives.</summary>
    public string TargetNamespace => $"rawscan-{Name}-target";

    /// <summary>The scanner's end of the veth pair: the interface to capture and send on.</summary>
    public string ScannerInterface { get; internal init; } = "scan0";

    public string TargetInterface { get; internal init; } = "tgt0";

    /// <summary>Prefix length of the link subnet both veth ends sit on (198.19.0.0/24).</summary>
    public int LinkPrefixLength { get; internal init; } = 24;

    /// <summary>The target's end of the link: the scanner's next hop to <see cref="LiveRange"/>.</summary>
    public uint Gateway { get; internal init; } = Ip("198.19.0.1");

    /// <summary>The scanner namespace's own address on <see cref="ScannerInterface"/>.</summary>
    public uint ScannerAddress { get; internal init; } = Ip("198.19.0.2");

    /// <summary>
    /// On the link subnet but configured nowhere: for the scanner's --source-ip, which answers ARP
    /// for it itself, so no kernel ever sees the replies and answers them.
    /// </summary>
    public uint SpareAddress { get; internal init; } = Ip("198.19.0.10");

    /// <summary>
    /// The scanner's default source ports. The scanner namespace drops inbound TCP and UDP to them,
    /// so its kernel does not reset the SYN-ACKs it never asked for (capture still sees them: the
    /// AF_PACKET tap is before netfilter). They lie above the kernel's ephemeral ports (32768-60999
    /// in a new namespace), so the namespace's own connections, as a connect scan makes, still work.
    /// </summary>
    public PortSet ScannerSourcePorts { get; internal init; } = PortSet.Parse("61000-65535");

    /// <summary>Every address here answers, from the target namespace.</summary>
    public Ipv4Range LiveRange { get; internal init; } = Ipv4Range.Parse("198.18.0.0/16");

    /// <summary>Open on every live address; every other TCP port answers with a RST.</summary>
    public IReadOnlyList<ushort> TcpOpenPorts { get; internal init; } = [22, 25, 80, 443, 3306, 8080, 31337];

    /// <summary>
    /// Open on every live address, each answered by a responder of <c>lab serve</c> (53: DNS, 161:
    /// SNMP, see <see cref="UdpServiceName"/>); every other UDP port answers with ICMP port unreachable.
    /// </summary>
    public IReadOnlyList<ushort> UdpOpenPorts { get; internal init; } = [53, 161];

    /// <summary>What answers on an open UDP port: "dns", "snmp", or null for a port no responder serves.</summary>
    public static string? UdpServiceName(ushort port) => port switch
    {
        53 => "dns",
        161 => "snmp",
        _ => null,
    };

    /// <summary>
    /// What greets a connection on an open TCP port of the live range: "ssh" on 22 (the line
    /// <see cref="SshIdentification"/> at once), "http" on 80 (an answer to any request, with
    /// <see cref="HttpServer"/> in its Server header); null where a connection is accepted and closed at once.
    /// </summary>
    public static string? TcpBanner(ushort port) => port switch
    {
        22 => "ssh",
        80 => "http",
        _ => null,
    };

    /// <summary>The SSH identification line (RFC 4253 section 4.2) port 22 sends, without its CR LF.</summary>
    public const string SshIdentification = "SSH-2.0-RawScanLab_1.0";

    /// <summary>The Server header of port 80's answer (HTTP/1.1 200 OK, Connection: close, a body of <see cref="HttpBody"/>).</summary>
    public const string HttpServer = "rawscan-lab/1.0";

    /// <summary>The body of port 80's answer.</summary>
    public const string HttpBody = "rawscan lab\n";

    /// <summary>
    /// Dropped in the target namespace, so silent (filtered for TCP, open|filtered for UDP). Neither TCP
    /// 80 nor UDP 53 is filtered anywhere: tests scan the whole /16 on each and expect every address open.
    /// </summary>
    public IReadOnlyList<FilterRule> FilterRules { get; internal init; } =
    [
        new(Ipv4Range.Parse("198.18.0.128/25"), Protocol.Tcp, PortSet.Parse("22,443")),
        // A firewalled subnet where only port 80 gets through.
        new(Ipv4Range.Parse("198.18.3.0/24"), Protocol.Tcp, PortSet.Parse("1-79,81-65535")),
        // The same for UDP: SNMP dropped on the upper /25, and only DNS through the firewalled /24.
        new(Ipv4Range.Parse("198.18.0.128/25"), Protocol.Udp, PortSet.Parse("161")),
        new(Ipv4Range.Parse("198.18.3.0/24"), Protocol.Udp, PortSet.Parse("1-52,54-65535")),
        // Silent on every address, so any scan of the /16 that includes it meets all three UDP states.
        new(Ipv4Range.Parse("198.18.0.0/16"), Protocol.Udp, PortSet.Parse("500")),
    ];

    /// <summary>
    /// A live port neither open nor filtered: the kernel answers (TCP RST; for UDP, ICMP port
    /// unreachable, with the ICMP rate limits lifted in the target namespace).
    /// </summary>
    public PortState DefaultState { get; internal init; } = PortState.Closed;

    /// <summary>
    /// Whether the lab speaks IPv6 (every lab built since it did). False only for a spec loaded from
    /// a truth.json written before: that lab has no IPv6 side, and every IPv6 address is silent to it.
    /// </summary>
    public bool HasIpv6 { get; internal init; } = true;

    // IPv6 lives in 2001:db8::/32, the documentation prefix (RFC 3849): like 198.18.0.0/15, it is
    // never a real network's, so nothing the lab does can reach or shadow one.

    /// <summary>Prefix length of the IPv6 link both veth ends sit on (2001:db8:ff::/64).</summary>
    public int LinkPrefixLength6 { get; internal init; } = 64;

    /// <summary>The target's IPv6 address on the link: the scanner's next hop to <see cref="ScannerRoute6"/>.</summary>
    public UInt128 Gateway6 { get; internal init; } = Ip6("2001:db8:ff::1");

    /// <summary>The scanner namespace's own IPv6 address on <see cref="ScannerInterface"/>.</summary>
    public UInt128 ScannerAddress6 { get; internal init; } = Ip6("2001:db8:ff::2");

    /// <summary>On the link but configured nowhere, as <see cref="SpareAddress"/>: the scanner must answer Neighbor Solicitations for it itself.</summary>
    public UInt128 SpareAddress6 { get; internal init; } = Ip6("2001:db8:ff::10");

    /// <summary>
    /// The scanner namespace's one IPv6 route (via <see cref="Gateway6"/>): the whole documentation
    /// prefix, and no default route, so IPv6 scan traffic cannot leave the lab either.
    /// </summary>
    public Ipv6Prefix ScannerRoute6 { get; internal init; } = Ipv6Prefix.Parse("2001:db8::/32");

    /// <summary>
    /// Every address here answers, from the target namespace, which owns the block through one
    /// local route (AnyIP): TCP as <see cref="LiveRange"/> does; UDP too, but see <see cref="AssignedRange6"/>.
    /// </summary>
    public Ipv6Prefix LiveRange6 { get; internal init; } = Ipv6Prefix.Parse("2001:db8:1::/64");

    /// <summary>
    /// 2001:db8:1::100-2001:db8:1::1ff: the part of <see cref="LiveRange6"/> configured as 256 real
    /// /128 addresses (on the target's lo, nodad) besides the local route. Linux sends an ICMPv6 error
    /// from the address it is about only when that address is configured; for one merely routed
    /// locally it sends from the interface's own address (2001:db8:ff::1), and nmap then calls a
    /// closed UDP port filtered ("port-unreach from 2001:db8:ff::1"). Here, and at <see cref="Gateway6"/>,
    /// closed UDP ports read closed.
    /// </summary>
    public Ipv6Prefix AssignedRange6 { get; internal init; } = Ipv6Prefix.Parse("2001:db8:1::100/120");

    /// <summary>
    /// <see cref="FilterRules"/> for IPv6, the same design at 2001:db8:1::: dropped in the target
    /// namespace, so silent. Neither TCP 80 nor UDP 53 is filtered anywhere, and none touches
    /// <see cref="AssignedRange6"/> but UDP 500, so its closed ports read closed.
    /// </summary>
    public IReadOnlyList<FilterRule6> FilterRules6 { get; internal init; } =
    [
        new(Ipv6Prefix.Parse("2001:db8:1::80/121"), Protocol.Tcp, PortSet.Parse("22,443")),
        new(Ipv6Prefix.Parse("2001:db8:1::300/120"), Protocol.Tcp, PortSet.Parse("1-79,81-65535")),
        new(Ipv6Prefix.Parse("2001:db8:1::80/121"), Protocol.Udp, PortSet.Parse("161")),
        new(Ipv6Prefix.Parse("2001:db8:1::300/120"), Protocol.Udp, PortSet.Parse("1-52,54-65535")),
        new(Ipv6Prefix.Parse("2001:db8:1::/64"), Protocol.Udp, PortSet.Parse("500")),
    ];

    /// <summary>
    /// Where the real-services host lives (<c>lab up --real-services</c>): third-party daemons from
    /// Debian packages, which nobody on this project wrote, so they answer what a real network would
    /// rather than what our probes ask for.
    /// </summary>
    public string RealNamespace => $"rawscan-{Name}-real";

    /// <summary>The target's end of the link to the real-services host.</summary>
    public string RealGatewayInterface { get; internal init; } = "tgt1";

    /// <summary>The real-services host's one interface.</summary>
    public string RealInterface { get; internal init; } = "real0";

    /// <summary>
    /// The real-services host's own address, the only one it has besides loopback: a daemon that
    /// neither binds the address it was asked on nor sets IP_PKTINFO answers from its interface's
    /// address, which here is the address asked (on the target, which owns the whole /16 through one
    /// local route, it would answer from 198.19.0.1).
    /// </summary>
    public uint RealHost { get; internal init; } = Ip("198.19.1.1");

    /// <summary>
    /// The real host's prefix: 198.19.0.0/16, so the scanner's link (198.19.0.0/24) is on-link to it,
    /// one flat LAN as a home router or a file server sees its clients. avahi answers unicast mDNS
    /// only from on-link sources (RFC 6762 section 11) and miniupnpd answers M-SEARCH only from its
    /// LAN; the target answers the real host's ARP for those addresses (proxy ARP) and routes.
    /// </summary>
    public int RealHostPrefixLength { get; internal init; } = 16;

    /// <summary>The real host's LAN, 198.19.0.0/16: whom its daemons serve.</summary>
    public Ipv4Range RealLan => Ipv4Range.FromCidr(RealHost, RealHostPrefixLength);

    /// <summary>The target's address on the real host's link, 198.19.1.0/24, which it routes to from the scanner's.</summary>
    public uint RealGateway { get; internal init; } = Ip("198.19.1.254");

    /// <summary>The subnet the scanner reaches the real host through (via <see cref="Gateway"/>).</summary>
    public Ipv4Range RealSubnet { get; internal init; } = Ipv4Range.Parse("198.19.1.0/24");

    /// <summary>The real daemons, one UDP port each, in port order.</summary>
    public IReadOnlyList<RealService> RealServices { get; internal init; } =
    [
        new(7, "echo", "socat", "socat"),
        new(53, "dns", "dnsmasq", "dnsmasq-base"),
        new(69, "tftp", "in.tftpd", "tftpd-hpa"),
        new(111, "portmapper", "rpcbind", "rpcbind"),
        new(123, "ntp", "chronyd", "chrony"),
        new(137, "netbios-ns", "nmbd", "samba"),
        new(161, "snmp", "snmpd", "snmpd"),
        new(1900, "ssdp", "miniupnpd", "miniupnpd-nftables"),
        new(5060, "sip", "kamailio", "kamailio"),
        new(5353, "mdns", "avahi-daemon", "avahi-daemon"),
        new(11211, "memcached", "memcached", "memcached"),
    ];

    /// <summary>
    /// The real host's TCP services, one entry per port, in port order: what a banner grab must name.
    /// Several daemons listen on more than one port, a few of them redirected (a service moved to a
    /// port the registry gives another: HTTP on 8080 and 8888, POP3 on 1100, SMTP on 2525, HTTPS on
    /// 8443) or on a trojan's port (SSH on 31337, Back Orifice's "Elite"; Redis on 12345, NetBus's).
    /// memcached's TCP 11211 is the UDP entry's daemon. MariaDB and PostgreSQL are optional: a lab
    /// whose machine cannot start them still comes up, and says so.
    /// </summary>
    public IReadOnlyList<RealTcpService> RealTcpServices { get; internal init; } =
    [
        new(21, "ftp", "vsftpd", "vsftpd", "vsftpd"),
        new(22, "ssh", "OpenSSH", "sshd", "openssh-server"),
        new(23, "telnet", "telnetd", "telnetd", "inetutils-telnetd", ShowsVersion: false),
        new(25, "smtp", "Exim", "exim4", "exim4-daemon-light"),
        new(80, "http", "nginx", "nginx", "nginx"),
        new(110, "pop3", "Dovecot", "dovecot", "dovecot-pop3d", ShowsVersion: false),
        new(143, "imap", "Dovecot", "dovecot", "dovecot-imapd", ShowsVersion: false),
        new(443, "https", "nginx", "nginx", "nginx", Tls: true),
        new(873, "rsync", "rsync", "rsync", "rsync", ShowsVersion: false),
        new(1100, "pop3", "Dovecot", "dovecot", "dovecot-pop3d", RealPortKind.Redirected, ShowsVersion: false),
        new(2525, "smtp", "Exim", "exim4", "exim4-daemon-light", RealPortKind.Redirected),
        new(3306, "mysql", "MariaDB", "mariadbd", "mariadb-server", Optional: true),
        new(5432, "postgresql", "PostgreSQL", "postgres", "postgresql", ShowsVersion: false, Optional: true),
        new(6379, "redis", "Redis", "redis-server", "redis-server"),
        new(8080, "http", "nginx", "nginx", "nginx", RealPortKind.Redirected),
        new(8443, "https", "nginx", "nginx", "nginx", RealPortKind.Redirected, Tls: true),
        new(8888, "http", "nginx", "nginx", "nginx", RealPortKind.Redirected),
        new(11211, "memcached", "memcached", "memcached", "memcached"),
        new(12345, "redis", "Redis", "redis-server", "redis-server", RealPortKind.Trojan, Instance: "redis-server-12345"),
        new(31337, "ssh", "OpenSSH", "sshd", "openssh-server", RealPortKind.Trojan),
    ];

    /// <summary>Dropped by nftables on the real host: silent (open|filtered).</summary>
    public ushort RealDroppedPort { get; internal init; } = 500;

    /// <summary>Rejected by nftables on the real host with ICMP admin-prohibited (filtered).</summary>
    public ushort RealRejectedPort { get; internal init; } = 514;

    /// <summary>Nothing listens and nothing filters: the real host's kernel answers port unreachable (closed).</summary>
    public ushort RealClosedPort { get; internal init; } = 1000;

    private static uint Ip(string s) => Ipv4.TryParse(s, out uint a) ? a : throw new ArgumentException(s);

    private static UInt128 Ip6(string s) => Ipv6.TryParse(s, out UInt128 a) ? a : throw new ArgumentException(s);
}

/// <summary>Live addresses whose packets to these ports of this protocol are dropped without an answer.</summary>
public sealed record FilterRule(Ipv4Range Addresses, Protocol Protocol, PortSet Ports)
{
    public bool Matches(uint address, Protocol protocol, ushort port) =>
        protocol == Protocol && Addresses.Contains(address) && Ports.Contains(port);
}

/// <summary>A <see cref="FilterRule"/> of the lab's IPv6 side.</summary>
public sealed record FilterRule6(Ipv6Prefix Addresses, Protocol Protocol, PortSet Ports)
{
    public bool Matches(UInt128 address, Protocol protocol, ushort port) =>
        protocol == Protocol && Addresses.Contains(address) && Ports.Contains(port);
}

/// <summary>A real daemon of the real-services host: its UDP port, what it speaks, its program and the Debian package that has it.</summary>
public sealed record RealService(ushort Port, string Service, string Daemon, string Package);

/// <summary>
/// A real TCP service of the real-services host: its port, the service in nmap-services spelling
/// (TLS-wrapped HTTP is "https"), the product a banner names, and the daemon and Debian package
/// that run it.
/// </summary>
/// <param name="Kind">Whether the port is the service's own, a redirected one, or a trojan's.</param>
/// <param name="Tls">The service speaks inside TLS (nmap -sV: tunnel "ssl").</param>
/// <param name="ShowsVersion">What the service answers shows its version (so the truth carries the package's upstream version).</param>
/// <param name="Optional">A failure to start leaves the lab up without it, noted in <c>lab status</c>.</param>
/// <param name="Instance">The daemon process serving this port, when one program runs twice (redis); else <paramref name="Daemon"/>.</param>
public sealed record RealTcpService(ushort Port, string Service, string Product, string Daemon, string Package,
    RealPortKind Kind = RealPortKind.Standard, bool Tls = false, bool ShowsVersion = true, bool Optional = false, string? Instance = null)
{
    /// <summary>The name the daemon process serving this port is recorded under.</summary>
    public string InstanceName => Instance ?? Daemon;
}

/// <summary>Why a real TCP service sits on its port.</summary>
public enum RealPortKind
{
    /// <summary>The service's own port.</summary>
    Standard,

    /// <summary>A port the service was moved to, which the registry gives another service.</summary>
    Redirected,

    /// <summary>A trojan's well-known port, running an ordinary service.</summary>
    Trojan,
}
