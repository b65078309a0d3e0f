using System.Text;
using RawScan.Results;
using RawScan.Targets;

namespace RawScan.Lab.Internal;

/// <summary>
/// The nftables rulesets of a lab, generated from its <see cref="LabSpec"/> and fed to <c>nft -f -</c>.
/// Each lives in a table of its own namespace, so nothing else's rules are touched.
/// </summary>
internal static class NftScripts
{
    public const string Table = "rawscan_lab";

    /// <summary>
    /// Scanner side: replies to the scanner's source ports, IPv4 or IPv6 (a netdev chain sees both;
    /// meta l4proto and th name the transport of either), reach capture (the AF_PACKET taps run
    /// first) but not the namespace's TCP stack, which would answer each SYN-ACK with a RST and each
    /// UDP reply with an ICMP unreachable. Dropped at the interface's ingress hook, before the IP
    /// stack: an inet input chain drops them only after routing and local delivery, which cost the
    /// scanning machine a quarter of its rate on /16 x 80 (median 197k vs 250k probes/s).
    /// </summary>
    public static string Scanner(LabSpec spec)
    {
        var ports = Ports(spec.ScannerSourcePorts);
        return Chain("netdev", "ingress", $"hook ingress device \"{spec.ScannerInterface}\"",
            $"meta l4proto tcp th dport {ports} drop",
            $"meta l4proto udp th dport {ports} drop");
    }

    /// <summary>
    /// Target side: the filter rules of both families, each dropped without an answer, in one inet
    /// table (its input hook sees IPv4 and IPv6 alike; "ip daddr" and "ip6 daddr" pick the family).
    /// </summary>
    public static string Target(LabSpec spec) =>
        Chain("inet", "input", "hook input",
        [
            .. spec.FilterRules.Select(r => $"ip daddr {RangeText.Format(r.Addresses)} {r.Protocol.Name()} dport {Ports(r.Ports)} drop"),
            .. spec.HasIpv6 ? spec.FilterRules6.Select(r => $"ip6 daddr {r.Addresses} {r.Protocol.Name()} dport {Ports(r.Ports)} drop") : [],
        ]);

    /// <summary>
    /// The real-services host: one UDP port dropped (silent) and one rejected with ICMP
    /// admin-prohibited (type 3 code 13), as a host firewall would; every other port is the daemons'
    /// or the kernel's to answer.
    /// </summary>
    public static string Real(LabSpec spec) =>
        Chain("inet", "input", "hook input",
            $"udp dport {spec.RealDroppedPort} drop",
            $"udp dport {spec.RealRejectedPort} reject with icmp type admin-prohibited");

    /// <summary>The lab's table of <paramref name="family"/> with one filter chain on <paramref name="hook"/>.</summary>
    private static string Chain(string family, string chain, string hook, params string[] rules)
    {
        var sb = new StringBuilder();
        sb.Append($"table {family} {Table} {{\n");
        sb.Append($"  chain {chain} {{\n");
        sb.Append($"    type filter {hook} priority filter; policy accept;\n");
        foreach (var rule in rules) sb.Append($"    {rule}\n");
        sb.Append("  }\n}\n");
        return sb.ToString();
    }

    /// <summary>An anonymous nft set, "{ 22, 443 }" or "{ 1-79, 81-65535 }": one rule per filter.</summary>
    private static string Ports(PortSet ports) =>
        "{ " + string.Join(", ", ports.Ranges.Select(r => r.First == r.Last ? $"{r.First}" : $"{r.First}-{r.Last}")) + " }";

    /// <summary>Table of the target's emulated loss, apart from <see cref="Table"/> so it is replaced without touching the filters.</summary>
    public const string LossTable = "rawscan_loss";

    /// <summary>
    /// Replaces the target's loss table in one transaction (<c>nft -f</c> applies a script atomically):
    /// declaring the table first makes the delete succeed whether or not it was there, and with
    /// <paramref name="perTenThousand"/> 0 the table is simply gone. The kernel has no netem, so loss
    /// is <c>numgen random</c>: each TCP or UDP packet arriving on the link is dropped with probability
    /// N/10000, at priority -300 (raw), before conntrack and before the target's stack sees it. The
    /// counter lets tests and people see how many were dropped.
    /// </summary>
    public static string Loss(LabSpec spec, int perTenThousand)
    {
        var sb = new StringBuilder();
        sb.Append($"table inet {LossTable}\n");
        sb.Append($"delete table inet {LossTable}\n");
        if (perTenThousand <= 0) return sb.ToString();
        sb.Append($"table inet {LossTable} {{\n");
        sb.Append("  chain prerouting {\n");
        sb.Append("    type filter hook prerouting priority -300; policy accept;\n");
        sb.Append($"    iifname \"{spec.TargetInterface}\" meta l4proto {{ tcp, udp }} numgen random mod 10000 < {perTenThousand} counter drop\n");
        sb.Append("  }\n}\n");
        return sb.ToString();
    }

    /// <summary>Table of the target's policer (<c>lab bottleneck PPS</c>), apart from the others so it is replaced alone.</summary>
    public const string BottleneckTable = "rawscan_bottleneck";

    /// <summary>
    /// Replaces the target's policer table in one transaction, like <see cref="Loss"/>; with
    /// <paramref name="b"/> null (or a queue, which is tc's) the table is simply gone. A netdev
    /// ingress chain on tgt0: the first hook a packet meets entering the target, IPv4 and IPv6 alike
    /// (meta l4proto names either's transport), before the IP stack and conntrack, so a dropped
    /// probe costs the target nothing, as at a provider's policing interface. Only TCP and UDP: ARP
    /// and neighbour discovery always pass. The first rule's counter counts what arrived, the
    /// second's what the policer dropped; the difference reached the target.
    /// </summary>
    public static string Bottleneck(LabSpec spec, LabBottleneck? b)
    {
        var sb = new StringBuilder();
        sb.Append($"table netdev {BottleneckTable}\n");
        sb.Append($"delete table netdev {BottleneckTable}\n");
        if (b is not { Kind: BottleneckKind.Policer }) return sb.ToString();
        sb.Append($"table netdev {BottleneckTable} {{\n");
        sb.Append("  chain ingress {\n");
        sb.Append($"    type filter hook ingress device \"{spec.TargetInterface}\" priority filter; policy accept;\n");
        sb.Append("    meta l4proto { tcp, udp } counter\n");
        sb.Append($"    meta l4proto {{ tcp, udp }} limit rate over {b.Pps}/second burst {b.BurstPackets} packets counter drop\n");
        sb.Append("  }\n}\n");
        return sb.ToString();
    }
}
