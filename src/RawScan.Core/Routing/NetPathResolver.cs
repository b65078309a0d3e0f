using RawScan.Interop;
using RawScan.Targets;

namespace RawScan.Routing;

/// <summary>Where a scan's frames leave and from which address: the interface, its MAC, the source address, the next hop.</summary>
/// <param name="AnswerArp">The source address is not the host's: RawScan answers ARP for it itself.</param>
internal sealed record NetPath(string Interface, byte[] Mac, uint SourceIp, uint NextHop, bool AnswerArp);

/// <summary>
/// Finds a scan's way out, every failure one readable line (<see cref="ScanSetupException"/>): the
/// route to the targets (refusing the default route unless allowed), the interface it names, the
/// source address facing the next hop, the next hop's MAC by ARP, and the capture filter that keeps
/// only replies to that source.
/// </summary>
internal static class NetPathResolver
{
    /// <summary>Route lookup, interface facts and the source address for a live scan.</summary>
    public static NetPath Resolve(ScanOptions o, RouteTable? routes = null)
    {
        if (o.Targets.Count == 0) throw new ScanSetupException("no targets left to scan");
        routes ??= RouteTable.Load();
        var v4 = o.Targets.V4Ranges.ToList();
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

        var nic = NetInterface.Find(route.Interface)
            ?? (o.Interface == route.Interface
                // Named by the user (--interface): bad input, exit 2, nothing sent.
                ? throw new BadInputException("interface", o.Interface, $"no such interface here (have: {string.Join(", ", NetInterface.Names())})")
                : throw new ScanSetupException($"interface {route.Interface} not found (have: {string.Join(", ", NetInterface.Names())})"));
        if (nic.Mac.Length != 6) throw new ScanSetupException($"interface {nic.Name} is not Ethernet");
        uint nextHop = route.Gateway != 0 ? route.Gateway : first;
        uint src = o.SourceIp ?? nic.AddressFacing(nextHop)
            ?? throw new ScanSetupException($"interface {nic.Name} has no IPv4 address: pass --source-ip");
        return new NetPath(nic.Name, nic.Mac, src, nextHop, AnswerArp: !nic.Owns(src));
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
        catch (Exception e) when (e is ScanSetupException or PlatformNotSupportedException && o.SourceIp is not null) // no route here, or no route table on this platform
        {
            return new NetPath(o.Interface ?? "none", new byte[6], o.SourceIp.Value, 0, AnswerArp: false);
        }
    }

    /// <summary>The next hop's MAC, asked by ARP on <paramref name="device"/> (opened on the path's interface).</summary>
    public static byte[] NextHopMac(PcapDevice device, NetPath path) =>
        Arp.Resolve(device, path.Mac, path.SourceIp, path.NextHop)
        ?? throw new ScanSetupException($"no ARP reply from next hop {Ipv4.Format(path.NextHop)} on {path.Interface}: pass --router-mac");

    /// <summary>Only replies to our source address and ports, ICMP errors to us, and ARP requests for a source we answer for.</summary>
    public static string CaptureFilter(NetPath path, ushort firstPort, ushort lastPort)
    {
        string filter = $"((tcp or udp) and dst host {Ipv4.Format(path.SourceIp)} and dst portrange {firstPort}-{lastPort})"
                      + $" or (icmp and dst host {Ipv4.Format(path.SourceIp)} and icmp[0] = 3)";
        if (path.AnswerArp) filter += $" or (arp and arp[6:2] = 1 and arp[24:4] = {path.SourceIp})";
        return filter;
    }
}
