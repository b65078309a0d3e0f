using RawScan.Lab.Internal;
using RawScan.Routing;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// IPv6 routes and source addresses from Linux's /proc/net/ipv6_route and /proc/net/if_inet6, over
/// samples: one is this kernel's own output for a namespace set up as the lab scanner is
/// (a /64 on scan0, 2001:db8::/32 via a router, an unreachable /48, a source-specific route, a
/// deprecated and a tentative address, a default via a link-local router), one a laptop's SLAAC
/// addresses (stable, temporary, deprecated temporary, ULA). Then the longest-prefix lookup, the
/// pieces a range is cut into at route boundaries, and the source address chosen for a destination.
/// </summary>
public sealed class HostNetwork6Tests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("rawscan-hostnet6-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static UInt128 A(string s) => Ipv6.Parse(s);

    /// <summary>Linux 6.x, `ip netns exec ... cat /proc/net/ipv6_route` after the lab-like setup (HostNetwork6Tests' summary).</summary>
    private const string LabRoutes =
        "20010db8000500000000000000000000 30 20010db800ff00000000000000000003 80 20010db800ff00000000000000000001 00000400 00000002 00000000 00000003    scan0\n" +
        "20010db800ff00000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000002 00000000 00000001    scan0\n" +
        "20010db8dead00000000000000000000 30 00000000000000000000000000000000 00 00000000000000000000000000000000 00000400 00000001 00000000 00200200       lo\n" +
        "20010db8000000000000000000000000 20 00000000000000000000000000000000 00 20010db800ff00000000000000000001 00000400 00000001 00000000 00000003    scan0\n" +
        "fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001    peer0\n" +
        "fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001    scan0\n" +
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000800 00000001 00000000 00000003    scan0\n" +
        "00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000003 00000000 80200001       lo\n" +
        "20010db800ff00000000000000000002 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000003 00000000 80200001    scan0\n" +
        "20010db800ff00000000000000000003 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001    scan0\n" +
        "ff000000000000000000000000000000 08 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000002 00000000 00000001    peer0\n" +
        "ff000000000000000000000000000000 08 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000002 00000000 00000001    scan0\n" +
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000002 00000000 00200200       lo\n";

    private const string LabAddresses =
        "20010db800ff00000000000000000003 03 40 00 a2    scan0\n" +      // nodad, deprecated (preferred_lft 0)
        "fe80000000000000f88447fffe788e06 02 40 20 c0    peer0\n" +      // tentative
        "20010db800ff00000000000000000002 03 40 00 82    scan0\n" +      // nodad: usable at once
        "20010db800ff00000000000000000004 03 40 00 c0    scan0\n" +      // tentative: DAD running
        "fe800000000000007490eafffe09ba38 03 40 20 c0    scan0\n" +
        "00000000000000000000000000000001 01 80 10 80       lo\n";

    /// <summary>A laptop on a SLAAC network: a stable and two temporary addresses (one deprecated), a ULA, link-local; the default route learned from the router's RA.</summary>
    private const string LaptopRoutes =
        "20010db8abcd00010000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000258 00000001 00000000 00440001   wlp2s0\n" +
        "fd123456789a00010000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000258 00000001 00000000 00440001   wlp2s0\n" +
        "fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000400 00000001 00000000 00000001   wlp2s0\n" +
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe80000000000000021122fffe334455 00000258 00000003 00000000 00450003   wlp2s0\n" +
        "00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000004 00000000 80200001       lo\n" +
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n";

    private const string LaptopAddresses =
        "20010db8abcd00015d3c9a1b2c3d4e5f 02 40 00 01   wlp2s0\n" +     // temporary
        "20010db8abcd00017e8a11223344aabb 02 40 00 21   wlp2s0\n" +     // temporary, deprecated
        "20010db8abcd0001a2b3c4fffed5e6f7 02 40 00 00   wlp2s0\n" +     // stable (SLAAC)
        "fd123456789a00010000000000000010 02 40 00 80   wlp2s0\n" +     // ULA, permanent
        "fe80000000000000a2b3c4fffed5e6f7 02 40 20 80   wlp2s0\n" +
        "00000000000000000000000000000001 01 80 10 80       lo\n";

    private LinuxHostNetwork Host(string routes, string addresses)
    {
        Directory.CreateDirectory(Path.Combine(_root, "proc/net"));
        File.WriteAllText(Path.Combine(_root, "proc/net/ipv6_route"), routes);
        File.WriteAllText(Path.Combine(_root, "proc/net/if_inet6"), addresses);
        return new LinuxHostNetwork(_root);
    }

    [Fact]
    public void RoutesAreReadFromProcNetIpv6Route()
    {
        var table = Host(LabRoutes, LabAddresses).Routes6();
        Assert.Equal(12, table.Routes.Count);                                  // all but the null entry
        Assert.Equal(new Route6("scan0", A("2001:db8::"), 32, A("2001:db8:ff::1"), 1024, 0x3), table.Routes[3]);
        Assert.Equal(new Route6("scan0", A("2001:db8:5::"), 48, A("2001:db8:ff::1"), 1024, 0x3, A("2001:db8:ff::3"), 128), table.Routes[0]);
        Assert.Equal(new Route6("lo", A("2001:db8:dead::"), 48, 0, 1024, 0x00200200), table.Routes[2]);
        Assert.Equal(new Route6("scan0", 0, 0, A("fe80::1"), 2048, 0x3), table.Routes[6]);
        Assert.True(table.HasDefault);
        var withoutDefault = string.Join('\n', LabRoutes.Split('\n').Where(l => !l.Contains("fe800000000000000000000000000001")));
        Assert.False(Host(withoutDefault, LabAddresses).Routes6().HasDefault);           // the lab's scanner namespace: no way out
        Assert.Empty(new LinuxHostNetwork(Path.Combine(_root, "none")).Routes6().Routes);   // a kernel without IPv6
        Assert.Empty(new LinuxHostNetwork(Path.Combine(_root, "none")).Addresses6());
    }

    [Fact]
    public void LookupIsLongestPrefixAsTheKernelDoes()
    {
        var t = Host(LabRoutes, LabAddresses).Routes6();
        var r = t.Lookup(A("2001:db8:1::1"))!;
        Assert.Equal((32, "scan0", true, A("2001:db8:ff::1")), (r.PrefixLength, r.Interface, r.HasGateway, r.NextHop));
        r = t.Lookup(A("2001:db8:ff::9"))!;
        Assert.Equal((64, false, false, false), (r.PrefixLength, r.HasGateway, r.IsLocal, r.IsDefault));
        Assert.True(t.Lookup(A("2001:db8:ff::2"))!.IsLocal);                                      // ours: never leaves
        Assert.True(t.Lookup(A("2001:db8:dead:7::1"))!.IsReject);
        Assert.Equal(32, t.Lookup(A("2001:db8:5::1"))!.PrefixLength);                            // the source-specific route needs its source
        Assert.Equal(48, t.Lookup(A("2001:db8:5::1"), source: A("2001:db8:ff::3"))!.PrefixLength);
        Assert.Equal(32, t.Lookup(A("2001:db8:5::1"), source: A("2001:db8:ff::2"))!.PrefixLength);
        r = t.Lookup(A("2a00:1450::1"))!;
        Assert.Equal((true, A("fe80::1")), (r.IsDefault, r.NextHop));
        Assert.Null(t.Lookup(A("2a00:1450::1"), onInterface: "peer0"));
        Assert.Equal("peer0", t.Lookup(A("fe80::5"), onInterface: "peer0")!.Interface);
        Assert.Equal("lo", t.Lookup(A("::1"))!.Interface);
    }

    private static readonly string[] Shapes = ["2001:db8:ff::", "2001:db8::", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffc0::"];

    [Fact]
    public void PiecesCutARangeWhereverItsRouteChanges()
    {
        var t = Host(LabRoutes, LabAddresses).Routes6();
        Assert.Equal(
            [(A("2001:db8:ff::"), A("2001:db8:ff::1")), (A("2001:db8:ff::2"), A("2001:db8:ff::2")), (A("2001:db8:ff::3"), A("2001:db8:ff::3")),
             (A("2001:db8:ff::4"), A("2001:db8:ff::ffff"))],
            t.Pieces(A("2001:db8:ff::"), A("2001:db8:ff::ffff")).ToList());
        // Across the /32's end, and the default route beyond it: no cut for ::/0.
        Assert.Equal(
            [(A("2001:db8:ffff:ffff:ffff:ffff:ffff:ff00"), A("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")), (A("2001:db9::"), A("2001:db9::ff"))],
            t.Pieces(A("2001:db8:ffff:ffff:ffff:ffff:ffff:ff00"), A("2001:db9::ff")).ToList());
        // A route ending at the top of the space (ff00::/8) ends the range there too: nothing past it to cut.
        Assert.Equal([(A("fe90::"), A("feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")), (A("ff00::"), UInt128.MaxValue)],
            t.Pieces(A("fe90::"), UInt128.MaxValue).ToList());
        Assert.Equal([(A("2001:db8:1::5"), A("2001:db8:1::5"))], t.Pieces(A("2001:db8:1::5"), A("2001:db8:1::5")).ToList());
        Assert.Empty(t.Pieces(2, 1));
        Assert.Single(new RouteTable6([]).Pieces(0, UInt128.MaxValue));
    }

    /// <summary>
    /// Over random tables and ranges: the pieces are contiguous, cover the range, and any address of a
    /// piece (its ends, and random ones inside) has the route of the piece's first address.
    /// </summary>
    [Fact]
    public void EveryAddressOfAPieceHasItsFirstAddresssRoute()
    {
        var rng = new Random(6724);
        UInt128 Near(UInt128 at) => at + (UInt128)(ulong)rng.Next(1 << 20);
        for (int table = 0; table < 50; table++)
        {
            var routes = new List<Route6>();
            var at = A(Shapes[table % Shapes.Length]);
            for (int i = 0; i < 12; i++)
                routes.Add(new Route6($"if{i % 3}", Near(at), 104 + rng.Next(25), 0, rng.Next(3)));
            routes.Add(new Route6("if0", 0, 0, 1, 1024, Route6.Up | Route6.Gateway));
            var t = new RouteTable6(routes);
            for (int range = 0; range < 20; range++)
            {
                UInt128 first = Near(at), last = first + (UInt128)(ulong)rng.Next(1 << 21);
                var pieces = t.Pieces(first, last).ToList();
                Assert.Equal(first, pieces[0].First);
                Assert.Equal(last, pieces[^1].Last);
                for (int i = 0; i < pieces.Count; i++)
                {
                    var (f, l) = pieces[i];
                    Assert.True(f <= l);
                    if (i > 0) Assert.Equal(pieces[i - 1].Last + 1, f);
                    var route = t.Lookup(f);
                    Assert.Same(route, t.Lookup(l));
                    for (int k = 0; k < 4; k++)
                        Assert.Same(route, t.Lookup(f + (UInt128)(ulong)rng.NextInt64((long)Math.Min((ulong)(l - f), long.MaxValue - 1) + 1)));
                }
            }
        }
    }

    [Fact]
    public void AddressesAreReadFromProcNetIfInet6()
    {
        var addrs = Host(LabRoutes, LabAddresses).Addresses6();
        Assert.Equal(6, addrs.Count);
        Assert.Equal(new InterfaceAddress6("scan0", 3, A("2001:db8:ff::2"), 64, InterfaceAddress6.GlobalScope, 0x82), addrs[2]);
        Assert.Equal((true, false), (addrs[2].IsGlobal, addrs[2].IsLinkLocal));
        Assert.False(addrs[0].IsUsable);                                        // deprecated
        Assert.False(addrs[3].IsUsable);                                        // tentative
        Assert.True(addrs[4].IsLinkLocal);
        Assert.Equal((InterfaceAddress6.LoopbackScope, 128, 1), (addrs[5].Scope, addrs[5].PrefixLength, addrs[5].Index));
    }

    [Fact]
    public void TheSourceIsAUsableAddressOfTheDestinationsScope()
    {
        var lab = Host(LabRoutes, LabAddresses).Addresses6();
        Assert.Equal(A("2001:db8:ff::2"), SourceAddress6.Choose(lab, "scan0", A("2001:db8:1::1")));   // not the deprecated ::3 nor the tentative ::4
        Assert.Null(SourceAddress6.Choose(lab, "scan0", A("fe80::1")));                               // its link-local address is still tentative
        Assert.Null(SourceAddress6.Choose(lab, "peer0", A("2001:db8:1::1")));                         // no global address there
        Assert.Null(SourceAddress6.Choose(lab, "eth9", A("2001:db8:1::1")));

        var laptop = Host(LaptopRoutes, LaptopAddresses).Addresses6();
        // The stable address, not the temporary ones, though all share the prefix.
        Assert.Equal(A("2001:db8:abcd:1:a2b3:c4ff:fed5:e6f7"), SourceAddress6.Choose(laptop, "wlp2s0", A("2001:db8:1::1")));
        Assert.Equal(A("2001:db8:abcd:1:a2b3:c4ff:fed5:e6f7"), SourceAddress6.Choose(laptop, "wlp2s0", A("2606:4700::1111")));
        Assert.Equal(A("fd12:3456:789a:1::10"), SourceAddress6.Choose(laptop, "wlp2s0", A("fd12:3456:789a:2::1")));   // rule 8: longest shared prefix
        Assert.Equal(A("fe80::a2b3:c4ff:fed5:e6f7"), SourceAddress6.Choose(laptop, "wlp2s0", A("fe80::1")));
        Assert.Equal(A("fe80::a2b3:c4ff:fed5:e6f7"), SourceAddress6.Choose(laptop, "wlp2s0", A("2001:db8:1::1"), linkLocal: true));
        // Only temporary addresses left: one of them (the usable one).
        var temporaries = laptop.Where(a => (a.Flags & InterfaceAddress6.Temporary) != 0).ToList();
        Assert.Equal(A("2001:db8:abcd:1:5d3c:9a1b:2c3d:4e5f"), SourceAddress6.Choose(temporaries, "wlp2s0", A("2001:db8:1::1")));

        var routes = Host(LaptopRoutes, LaptopAddresses).Routes6();
        Assert.Equal(5, routes.Routes.Count);
        Assert.Equal((true, A("fe80::211:22ff:fe33:4455"), 600), (routes.Lookup(A("2606:4700::1111"))!.IsDefault, routes.Lookup(A("2606:4700::1111"))!.NextHop, routes.Lookup(A("2606:4700::1111"))!.Metric));
    }

    [Fact]
    public void LinkLocalIsFe80Slash10()
    {
        Assert.True(SourceAddress6.IsLinkLocal(A("fe80::1")));
        Assert.True(SourceAddress6.IsLinkLocal(A("febf:ffff::1")));
        Assert.False(SourceAddress6.IsLinkLocal(A("fec0::1")));
        Assert.False(SourceAddress6.IsLinkLocal(A("fe7f::1")));
    }

    /// <summary>This machine's own files parse, and every address iproute2 lists (by netlink) is among them.</summary>
    [Fact]
    public void ThisHostsFilesParse()
    {
        var host = Assert.IsType<LinuxHostNetwork>(HostNetwork.Current);
        var routes = host.Routes6();
        var addresses = host.Addresses6();
        if (!File.Exists("/proc/net/if_inet6")) return;                       // IPv6 off in this kernel: nothing more to compare
        foreach (var line in Exec.Run("ip", "-o", "-6", "addr", "show").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var (iface, cidr) = (f[1], f[3].Split('/'));
            Assert.Contains(addresses, a => a.Interface == iface && a.Address == A(cidr[0]) && a.PrefixLength == int.Parse(cidr[1]));
        }
        Assert.All(routes.Routes, r => Assert.InRange(r.PrefixLength, 0, 128));
        if (addresses.Any(a => a.Address == 1)) Assert.True(routes.Lookup(1)!.IsLocal);
    }
}
