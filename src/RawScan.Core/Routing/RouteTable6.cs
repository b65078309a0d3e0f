namespace RawScan.Routing;

/// <summary>
/// One IPv6 route, host-order addresses, as /proc/net/ipv6_route gives it: destination prefix, source
/// prefix (a source-specific route, "ip -6 route add ... from 2001:db8::/64", applies only to packets
/// from that prefix; ::/0 for the usual route), next hop (:: when the destination is on the link),
/// metric, the kernel's RTF_* flags, and the interface.
/// </summary>
public sealed record Route6(string Interface, UInt128 Destination, int PrefixLength, UInt128 NextHop, int Metric, uint Flags = Route6.Up,
    UInt128 Source = default, int SourcePrefixLength = 0)
{
    // include/uapi/linux/route.h and ipv6_route.h
    public const uint Up = 0x0001, Gateway = 0x0002, Reject = 0x0200, Cache = 0x0100_0000, Local = 0x8000_0000;

    /// <summary>::/0: the route of everything no other route takes, which a scan must not take unless allowed.</summary>
    public bool IsDefault => PrefixLength == 0;

    /// <summary>Through a router: the next hop is <see cref="NextHop"/>, not the destination itself.</summary>
    public bool HasGateway => (Flags & Gateway) != 0 && NextHop != 0;

    /// <summary>unreachable, prohibit, blackhole or throw: the kernel refuses to send there, and so should a scan.</summary>
    public bool IsReject => (Flags & Reject) != 0;

    /// <summary>An address of this host (the local table): a probe to it would never leave.</summary>
    public bool IsLocal => (Flags & Local) != 0;

    public bool Matches(UInt128 a) => Within(a, Destination, PrefixLength);

    public bool MatchesSource(UInt128 a) => Within(a, Source, SourcePrefixLength);

    /// <summary>The route's first and last destination addresses.</summary>
    public (UInt128 First, UInt128 Last) Span => (Destination & Mask(PrefixLength), Destination | ~Mask(PrefixLength));

    internal static UInt128 Mask(int length) => length == 0 ? 0 : UInt128.MaxValue << (128 - length);

    private static bool Within(UInt128 a, UInt128 prefix, int length) => ((a ^ prefix) & Mask(length)) == 0;
}

/// <summary>
/// The IPv6 routes of this network namespace (on Linux from /proc/net/ipv6_route: HostNetwork6.Linux.cs),
/// looked up by longest prefix as the kernel does: the main and local tables together, so a target
/// that is this host's own address finds its local route, and a reject route is found, not skipped.
/// </summary>
public sealed class RouteTable6(IReadOnlyList<Route6> routes)
{
    public IReadOnlyList<Route6> Routes { get; } = routes;

    /// <summary>Whether any route is ::/0 (a scan that needs it must be allowed to take it).</summary>
    public bool HasDefault => Routes.Any(r => r.IsDefault);

    /// <summary>
    /// Longest-prefix match, lowest metric on ties; null when nothing routes the address. A
    /// source-specific route counts only for a <paramref name="source"/> within its source prefix
    /// (the kernel picks the destination first, then the source within it); on
    /// <paramref name="onInterface"/>, only that interface's routes.
    /// </summary>
    public Route6? Lookup(UInt128 address, string? onInterface = null, UInt128? source = null)
    {
        Route6? best = null;
        foreach (var r in Routes)
        {
            if (!r.Matches(address) || (onInterface is not null && r.Interface != onInterface)) continue;
            if (r.SourcePrefixLength > 0 && (source is not { } s || !r.MatchesSource(s))) continue;
            if (best is null || r.PrefixLength > best.PrefixLength
                || (r.PrefixLength == best.PrefixLength && (r.SourcePrefixLength > best.SourcePrefixLength
                    || (r.SourcePrefixLength == best.SourcePrefixLength && r.Metric < best.Metric))))
                best = r;
        }
        return best;
    }

    /// <summary>
    /// [first, last] cut where any route's prefix begins or ends (as <see cref="RouteTable.Pieces"/> does
    /// for IPv4), so that every address of a piece has the same longest-prefix route as the piece's
    /// first address: a check of each piece's first address covers every address of the range, which
    /// for IPv6 cannot be walked. Cuts are kept without the +1 past a route's last address where that
    /// would overflow (a route ending at ffff:...:ffff ends the range too).
    /// </summary>
    public IEnumerable<(UInt128 First, UInt128 Last)> Pieces(UInt128 first, UInt128 last)
    {
        if (last < first) yield break;
        var starts = new SortedSet<UInt128> { first };
        foreach (var r in Routes)
        {
            if (r.IsDefault) continue;
            var (start, end) = r.Span;
            if (start > first && start <= last) starts.Add(start);
            if (end >= first && end < last) starts.Add(end + 1);
        }
        UInt128? from = null;
        foreach (var s in starts)
        {
            if (from is { } f) yield return (f, s - 1);
            from = s;
        }
        yield return (from!.Value, last);
    }
}
