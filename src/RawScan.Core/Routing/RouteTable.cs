namespace RawScan.Routing;

/// <summary>One IPv4 route of the main table, host order.</summary>
public sealed record Route(string Interface, uint Destination, int PrefixLength, uint Gateway, int Metric)
{
    public bool IsDefault => PrefixLength == 0;
    public bool Matches(uint a) => PrefixLength == 0 || (a >> (32 - PrefixLength)) == (Destination >> (32 - PrefixLength));
}

/// <summary>
/// The IPv4 routes of this network namespace, as the platform's host network reports them
/// (<see cref="HostNetwork"/>: /proc/net/route on Linux), looked up by longest prefix.
/// </summary>
public sealed class RouteTable(IReadOnlyList<Route> routes)
{
    public IReadOnlyList<Route> Routes { get; } = routes;

    /// <summary>This host's routes, read once per scan (on Linux from /proc/net/route: HostNetwork.Linux.cs).</summary>
    public static RouteTable Load() => HostNetwork.Current.Routes();

    /// <summary>Longest-prefix match, lowest metric on ties; null when nothing routes the address.</summary>
    public Route? Lookup(uint address, string? onInterface = null)
    {
        Route? best = null;
        foreach (var r in Routes)
        {
            if (!r.Matches(address) || (onInterface is not null && r.Interface != onInterface)) continue;
            if (best is null || r.PrefixLength > best.PrefixLength || (r.PrefixLength == best.PrefixLength && r.Metric < best.Metric))
                best = r;
        }
        return best;
    }
}
