using RawScan.Probes;
using RawScan.Routing;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>The way out of a scan, from a given route table: refusals are one line, a dry run goes where a live scan may not.</summary>
public class NetPathResolverTests
{
    private static uint Ip(string s) => Ipv4.TryParse(s, out uint a) ? a : throw new ArgumentException(s);

    private static ScanOptions Options(string targets, uint? source = null) => new()
    {
        Targets = TargetSet.Parse(targets), Ports = ScanPorts.Parse("80", ScanTypes.Tcp), UdpPayloads = UdpPayloadTable.Default, SourceIp = source,
    };

    private static readonly Route Default = new("lo", 0, 0, Ip("10.0.0.1"), 0);

    [Fact]
    public void NoRouteIsOneLine()
    {
        var e = Assert.Throws<ScanSetupException>(() => NetPathResolver.Resolve(Options("198.18.0.1"), new RouteTable([])));
        Assert.Equal("no route to 198.18.0.1 in this network namespace", e.Message);
    }

    [Fact]
    public void TheDefaultRouteIsRefusedUnlessAllowed()
    {
        var routes = new RouteTable([Default]);
        var e = Assert.Throws<ScanSetupException>(() => NetPathResolver.Resolve(Options("198.18.0.1"), routes));
        Assert.StartsWith("refusing to scan 198.18.0.1: its route is this namespace's default route", e.Message);
        var path = NetPathResolver.Resolve(Options("198.18.0.1", Ip("198.19.0.10")) with { AllowDefaultRoute = true }, routes);
        Assert.Equal(("lo", Ip("198.19.0.10"), Ip("10.0.0.1")), (path.Interface, path.SourceIp, path.NextHop));
    }

    /// <summary>
    /// Issue 12's hole: routes for 198.18.0.0/24 and 198.18.2.0/24 and a default route; a range from
    /// the first to the last was let through because only its ends were checked, and its middle /24
    /// left by the default route.
    /// </summary>
    [Fact]
    public void EveryAddressOfARangeIsCheckedNotOnlyItsEnds()
    {
        var routes = new RouteTable([Default with { Interface = "lo" }, new Route("lo", Ip("198.18.0.0"), 24, Ip("198.19.0.1"), 0), new Route("lo", Ip("198.18.2.0"), 24, Ip("198.19.0.1"), 0)]);
        var e = Assert.Throws<ScanSetupException>(() => NetPathResolver.Resolve(Options("198.18.0.0-198.18.2.255"), routes));
        Assert.StartsWith("refusing to scan 198.18.1.0-198.18.1.255: its route is this namespace's default route", e.Message);
        Assert.Throws<ScanSetupException>(() => NetPathResolver.Resolve(Options("198.18.0.200-198.18.2.3"), routes));
        Assert.Throws<ScanSetupException>(() => NetPathResolver.Resolve(Options("198.18.1.5"), routes));
        // Within the routed /24s, and across them with the middle excluded, the scan may go.
        Assert.Equal("lo", NetPathResolver.Resolve(Options("198.18.0.0-198.18.0.255,198.18.2.0/24", Ip("198.19.0.10")), routes).Interface);
    }

    [Fact]
    public void PiecesCutARangeWhereverARouteBeginsOrEnds()
    {
        var routes = new RouteTable([Default, new Route("a", Ip("198.18.0.0"), 16, 0, 0), new Route("b", Ip("198.18.4.0"), 22, 0, 0), new Route("c", Ip("198.18.5.128"), 25, 0, 0)]);
        var pieces = routes.Pieces(Ip("198.17.255.250"), Ip("198.18.9.0")).Select(p => $"{Ipv4Format(p.First)}-{Ipv4Format(p.Last)}").ToList();
        Assert.Equal(["198.17.255.250-198.17.255.255", "198.18.0.0-198.18.3.255", "198.18.4.0-198.18.5.127", "198.18.5.128-198.18.5.255",
            "198.18.6.0-198.18.7.255", "198.18.8.0-198.18.9.0"], pieces);
        foreach (var (first, last) in routes.Pieces(Ip("198.17.255.250"), Ip("198.18.9.0")))
            for (ulong a = first; a <= last; a += 17) Assert.Equal(routes.Lookup(first), routes.Lookup((uint)a));
        Assert.Equal(uint.MaxValue, routes.Pieces(0, uint.MaxValue).Last().Last);
    }

    private static string Ipv4Format(uint a) => RawScan.Targets.Ipv4.Format(a);

    [Fact]
    public void TargetsBehindTwoInterfacesAreRefused()
    {
        var routes = new RouteTable([new Route("lo", Ip("198.18.0.0"), 24, 0, 0), new Route("other0", Ip("198.18.1.0"), 24, 0, 0)]);
        var e = Assert.Throws<ScanSetupException>(() => NetPathResolver.Resolve(Options("198.18.0.1,198.18.1.1"), routes));
        Assert.Contains("different interfaces (lo and other0)", e.Message);
    }

    [Fact]
    public void ADryRunTakesTheDefaultRouteAndNeedsNoRouteWithASource()
    {
        var viaDefault = NetPathResolver.ResolveForDryRun(Options("198.18.0.1", Ip("198.19.0.10")), new RouteTable([Default]));
        Assert.Equal("lo", viaDefault.Interface);
        var none = NetPathResolver.ResolveForDryRun(Options("198.18.0.1", Ip("198.19.0.10")), new RouteTable([]));
        Assert.Equal(("none", Ip("198.19.0.10"), false), (none.Interface, none.SourceIp, none.AnswerArp));
        Assert.Throws<ScanSetupException>(() => NetPathResolver.ResolveForDryRun(Options("198.18.0.1"), new RouteTable([])));
    }

    [Fact]
    public void TheCaptureFilterKeepsOurRepliesAndArpOnlyForASpareSource()
    {
        var own = new NetPath("scan0", new byte[6], Ip("198.19.0.2"), Ip("198.19.0.1"), AnswerArp: false);
        Assert.Equal("((ip and (tcp or udp) and dst host 198.19.0.2 and dst portrange 61000-65535) or (icmp and dst host 198.19.0.2 and icmp[0] = 3))",
            NetPathResolver.CaptureFilter(own, 61000, 65535));
        var spare = own with { AnswerArp = true };
        Assert.EndsWith($" or ((arp and arp[6:2] = 1 and arp[24:4] = {Ip("198.19.0.2")}))", NetPathResolver.CaptureFilter(spare, 61000, 65535));
        // A scan of both families: each family's part, IPv6's with neighbour solicitations for a spare source.
        var both = spare with { V6 = new NetPath6(Ipv6.Parse("2001:db8:ff::10"), Ipv6.Parse("2001:db8:ff::1"), AnswerNd: true) };
        string f = NetPathResolver.CaptureFilter(both, 61000, 65535);
        Assert.StartsWith(NetPathResolver.CaptureFilter(spare, 61000, 65535) + " or (", f);
        Assert.Contains("ip6 and (tcp or udp) and dst host 2001:db8:ff::10", f);
        Assert.Contains("ip6[40] = 135", f);
        // An IPv6-only scan has no IPv4 part at all.
        var only6 = new NetPath("scan0", new byte[6], 0, 0, false, both.V6);
        Assert.DoesNotContain("arp", NetPathResolver.CaptureFilter(only6, 61000, 65535));
        Assert.DoesNotContain("ip and", NetPathResolver.CaptureFilter(only6, 61000, 65535));
    }
}
