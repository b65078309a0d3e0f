using System.Globalization;
using System.Runtime.Versioning;

namespace RawScan.Routing;

/// <summary>
/// Linux's IPv6 routes and interface addresses, from the kernel's text files as the IPv4 routes are
/// (HostNetwork.Linux.cs): /proc/net/ipv6_route and /proc/net/if_inet6. Both print addresses as 32 hex
/// digits in network order, which read as a number are the host-order <see cref="UInt128"/> RawScan uses.
/// </summary>
internal sealed partial class LinuxHostNetwork
{
    /// <summary>The IPv6 routes of this network namespace (main and local tables), or an empty table when the kernel has no IPv6.</summary>
    public RouteTable6 Routes6()
    {
        string file = At("proc/net/ipv6_route");
        return ParseIpv6Routes(File.Exists(file) ? File.ReadAllText(file) : "");
    }

    /// <summary>The IPv6 addresses of this namespace's interfaces; none when the kernel has no IPv6.</summary>
    public IReadOnlyList<InterfaceAddress6> Addresses6()
    {
        string file = At("proc/net/if_inet6");
        return ParseIfInet6(File.Exists(file) ? File.ReadAllText(file) : "");
    }

    /// <summary>
    /// Parses /proc/net/ipv6_route (no header line): destination, its prefix length, source, its prefix
    /// length, next hop, metric, reference count, use count, flags (all hex), interface. Kept: routes
    /// that are up, and reject routes (unreachable, prohibit, blackhole: listed on lo with RTF_REJECT
    /// and without RTF_UP, as "ip -6 route add unreachable 2001:db8:dead::/48" shows), which the kernel
    /// finds by longest prefix like any other and then refuses to send by. Skipped: per-destination
    /// cache clones (RTF_CACHE, which old kernels list), and each table's null entry (::/0, reject,
    /// metric 0xffffffff), which stands for "no route", not for a default route.
    /// </summary>
    internal static RouteTable6 ParseIpv6Routes(string text)
    {
        var routes = new List<Route6>();
        foreach (var line in text.Split('\n'))
        {
            var f = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 10 || f[0].Length != 32 || f[2].Length != 32 || f[4].Length != 32) continue;
            uint flags = uint.Parse(f[8], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            uint metric = uint.Parse(f[5], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            int length = Hex8(f[1]);
            bool reject = (flags & Route6.Reject) != 0;
            if (((flags & Route6.Up) == 0 && !reject) || (flags & Route6.Cache) != 0) continue;
            if (reject && length == 0 && metric == uint.MaxValue) continue;
            // The metric is an unsigned 32-bit number: clamp, do not wrap negative.
            routes.Add(new Route6(f[9], Hex128(f[0]), length, Hex128(f[4]), (int)Math.Min(metric, int.MaxValue), flags, Hex128(f[2]), Hex8(f[3])));
        }
        return new RouteTable6(routes);
    }

    /// <summary>Parses /proc/net/if_inet6: address, interface index, prefix length, scope, flags (hex), interface name.</summary>
    internal static IReadOnlyList<InterfaceAddress6> ParseIfInet6(string text)
    {
        var addresses = new List<InterfaceAddress6>();
        foreach (var line in text.Split('\n'))
        {
            var f = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 6 || f[0].Length != 32) continue;
            addresses.Add(new InterfaceAddress6(f[5], int.Parse(f[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture), Hex128(f[0]),
                Hex8(f[2]), (byte)Hex8(f[3]), (byte)Hex8(f[4])));
        }
        return addresses;
    }

    private static UInt128 Hex128(string hex) => UInt128.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static int Hex8(string hex) => byte.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
