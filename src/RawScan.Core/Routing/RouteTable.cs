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

    /// <summary>
    /// [first, last] cut where any route's prefix begins or ends, so that every address of a piece has
    /// the same longest-prefix route as the piece's first address: a check of each piece's first
    /// address covers every address of the range. Checking only a range's ends let 198.18.0.0-198.18.2.255
    /// through when 198.18.1.0/24 alone left by the default route.
    /// </summary>
    public IEnumerable<(uint First, uint Last)> Pieces(uint first, uint last)
    {
        var cuts = new SortedSet<ulong> { first, (ulong)last + 1 };
        foreach (var r in Routes)
        {
            if (r.IsDefault) continue;
            uint mask = r.PrefixLength == 32 ? uint.MaxValue : ~(uint.MaxValue >> r.PrefixLength);
            ulong start = r.Destination & mask, end = (ulong)(r.Destination | ~mask) + 1;
            if (start > first && start <= last) cuts.Add(start);
            if (end > first && end <= last) cuts.Add(end);
        }
        ulong from = first;
        foreach (var cut in cuts.Skip(1))
        {
            yield return ((uint)from, (uint)(cut - 1));
            from = cut;
        }
    }

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
