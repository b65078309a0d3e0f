using RawScan.Interop;
using RawScan.Targets;

namespace RawScan.Routing;

/// <summary>Where a scan's frames leave and from which address: the interface, its MAC, the source address, the next hop.</summary>
/// <param name="AnswerArp">The source address is not the host's: RawScan answers ARP for it itself.</param>
/// <summary>
/// A scan's way out: one interface for both families; the IPv4 source and next hop when the scan has
/// IPv4 targets (else 0), the IPv6 ones in <see cref="V6"/> when it has IPv6 targets.
/// </summary>
internal sealed record NetPath(string Interface, byte[] Mac, uint SourceIp, uint NextHop, bool AnswerArp, NetPath6? V6 = null)
{
    public bool HasV4 => SourceIp != 0;
}

/// <summary>The IPv6 half of a <see cref="NetPath"/>: our source, the next hop, and whether we answer neighbour solicitations for the source.</summary>
internal sealed record NetPath6(UInt128 SourceIp, UInt128 NextHop, bool AnswerNd);

/// <summary>
/// Finds a scan's way out, every failure one readable line (<see cref="ScanSetupException"/>): the
/// route to the targets (refusing the default route unless allowed), the interface it names, the
/// source address facing the next hop, the next hop's MAC by ARP, and the capture filter that keeps
/// only replies to that source.
/// </summary>
internal static class NetPathResolver
{
    /// <summary>Route lookup, interface facts and the source address for a live scan, for each family it has targets of.</summary>
    public static NetPath Resolve(ScanOptions o, RouteTable? routes = null, RouteTable6? routes6 = null)
    {
        if (o.Targets.Count == 0) throw new ScanSetupException("no targets left to scan");
        var v4 = o.Targets.V4Ranges.ToList();
        var v6 = o.Targets.Ranges.Where(r => !r.IsV4).ToList();
        string? iface = null;
        uint src = 0, nextHop = 0;
        bool answerArp = false;
        if (v4.Count > 0)
        {
            routes ??= RouteTable.Load();
            uint first = v4[0].First;
            var route = routes.Lookup(first, o.Interface);
            if (route is null)
            {
                if (o.Interface is null) throw new ScanSetupException($"no route to {Ipv4.Format(first)} in this network namespace");
                route = new Route(o.Interface, 0, 0, 0, 0);
            }
            // Every address of the scan, not only each range's ends: each range is cut at every route
            // boundary inside it, and each piece's route is the route of all its addresses.
            foreach (var r in v4)
                foreach (var (a, last) in routes.Pieces(r.First, r.Last))
                {
                    var other = routes.Lookup(a, o.Interface);
                    if (other is not null && other.Interface != route.Interface)
                        throw new ScanSetupException($"targets route through different interfaces ({route.Interface} and {other.Interface}): scan them separately or pass --interface");
                    if (other is not null && other.IsDefault && !o.AllowDefaultRoute)
                        throw new ScanSetupException(
                            $"refusing to scan {Ipv4.Format(a)}{(last != a ? $"-{Ipv4.Format(last)}" : "")}: its route is this namespace's default route (via {other.Interface}), so the scan would leave the network; pass --allow-default-route if that is meant");
                }
            var nic = Interface(route.Interface, o);
            iface = nic.Name;
            nextHop = route.Gateway != 0 ? route.Gateway : first;
            src = o.SourceIp ?? nic.AddressFacing(nextHop)
                ?? throw new ScanSetupException($"interface {nic.Name} has no IPv4 address: pass --source-ip");
            answerArp = !nic.Owns(src);
        }
        NetPath6? path6 = null;
        if (v6.Count > 0)
        {
            var host = HostNetwork.Current;
            routes6 ??= host.Routes6();
            UInt128 first = v6[0].First;
            var route = routes6.Lookup(first, o.Interface, o.SourceIp6);
            if (route is null || route.IsReject)
            {
                if (o.Interface is null || route is not null)
                    throw new ScanSetupException($"no IPv6 route to {Ipv6.Format(first)} in this network namespace{(route is not null ? " (its route is unreachable)" : "")}");
                route = new Route6(o.Interface, 0, 0, 0, 0);
            }
            foreach (var r in v6)
                foreach (var (a, last) in routes6.Pieces(r.First, r.Last))
                {
                    var other = routes6.Lookup(a, o.Interface, o.SourceIp6);
                    string what = $"{Ipv6.Format(a)}{(last != a ? $"-{Ipv6.Format(last)}" : "")}";
                    if (other is null || other.IsReject)
                        throw new ScanSetupException($"refusing to scan {what}: no IPv6 route to it (scan the rest separately)");
                    if (other.IsLocal)
                        throw new ScanSetupException($"refusing to scan {what}: it is this host's own (a local route), which no frame on {other.Interface} reaches");
                    if (other.Interface != route.Interface || (iface is not null && other.Interface != iface))
                        throw new ScanSetupException($"targets route through different interfaces ({iface ?? route.Interface} and {other.Interface}): scan them separately or pass --interface");
                    if (other.IsDefault && !o.AllowDefaultRoute)
                        throw new ScanSetupException(
                            $"refusing to scan {what}: its route is this namespace's default IPv6 route (via {other.Interface}), so the scan would leave the network; pass --allow-default-route if that is meant");
                }
            var nic = Interface(route.Interface, o);
            iface ??= nic.Name;
            var addresses = host.Addresses6();
            UInt128 src6 = o.SourceIp6 ?? SourceAddress6.Choose(addresses, nic.Name, first)
                ?? throw new ScanSetupException($"interface {nic.Name} has no usable global IPv6 address: pass --source-ip with an IPv6 address");
            path6 = new NetPath6(src6, route.HasGateway ? route.NextHop : first,
                AnswerNd: !addresses.Any(a => a.Interface == nic.Name && a.Address == src6));
        }
        var chosen = Interface(iface!, o);
        return new NetPath(chosen.Name, chosen.Mac, src, nextHop, answerArp, path6);
    }

    /// <summary>The interface a route names, which must exist and be Ethernet.</summary>
    private static NetInterface Interface(string name, ScanOptions o)
    {
        var nic = NetInterface.Find(name)
            ?? (o.Interface == name
                // Named by the user (--interface): bad input, exit 2, nothing sent.
                ? throw new BadInputException("interface", o.Interface, $"no such interface here (have: {string.Join(", ", NetInterface.Names())})")
                : throw new ScanSetupException($"interface {name} not found (have: {string.Join(", ", NetInterface.Names())})"));
        if (nic.Mac.Length != 6) throw new ScanSetupException($"interface {nic.Name} is not Ethernet");
        return nic;
    }

    /// <summary>
    /// A dry run sends nothing, so it needs no route, and may go where a live scan may not (a default
    /// route): it takes what the route offers and --source-ip for what it cannot find.
    /// </summary>
    public static NetPath ResolveForDryRun(ScanOptions o, RouteTable? routes = null)
    {
        try
        {
            return Resolve(o with { AllowDefaultRoute = true }, routes);
        }
        catch (Exception e) when (e is ScanSetupException or PlatformNotSupportedException // no route here, or no route table on this platform
                                  && (o.SourceIp is not null || !o.Targets.V4Ranges.Any()) && (o.SourceIp6 is not null || !o.Targets.HasV6)
                                  && (o.SourceIp is not null || o.SourceIp6 is not null))
        {
            return new NetPath(o.Interface ?? "none", new byte[6], o.SourceIp ?? 0, 0, AnswerArp: false,
                o.SourceIp6 is { } s6 ? new NetPath6(s6, 0, AnswerNd: false) : null);
        }
    }

    /// <summary>The next hop's MAC, asked by ARP on <paramref name="device"/> (opened on the path's interface).</summary>
    public static byte[] NextHopMac(PcapDevice device, NetPath path) =>
        Arp.Resolve(device, path.Mac, path.SourceIp, path.NextHop)
        ?? throw new ScanSetupException($"no ARP reply from next hop {Ipv4.Format(path.NextHop)} on {path.Interface}: pass --router-mac");

    /// <summary>The IPv6 next hop's MAC, asked by our own Neighbor Solicitation on <paramref name="device"/>.</summary>
    public static byte[] NextHopMac6(PcapDevice device, NetPath path) =>
        Ndp.Resolve(device, path.Mac, path.V6!.SourceIp, path.V6.NextHop)
        ?? throw new ScanSetupException($"no Neighbor Advertisement from next hop {Ipv6.Format(path.V6.NextHop)} on {path.Interface}: pass --router-mac");

    /// <summary>Only replies to our source address and ports, ICMP errors to us, and ARP requests for a source we answer for.</summary>
    public static string CaptureFilter(NetPath path, ushort firstPort, ushort lastPort)
    {
        var parts = new List<string>();
        if (path.HasV4)
        {
            parts.Add($"(ip and (tcp or udp) and dst host {Ipv4.Format(path.SourceIp)} and dst portrange {firstPort}-{lastPort})"
                      + $" or (icmp and dst host {Ipv4.Format(path.SourceIp)} and icmp[0] = 3)");
            if (path.AnswerArp) parts.Add($"(arp and arp[6:2] = 1 and arp[24:4] = {path.SourceIp})");
        }
        if (path.V6 is { } v6) parts.Add(CaptureFilter6.For(v6.SourceIp, firstPort, lastPort, v6.AnswerNd));
        return string.Join(" or ", parts.Select(p => $"({p})"));
    }
}
