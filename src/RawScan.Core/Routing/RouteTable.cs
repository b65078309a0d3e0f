using System.Buffers.Binary;
using System.Globalization;

namespace RawScan.Routing;

/// <summary>One IPv4 route of the main table, host order.</summary>
public sealed record Route(string Interface, uint Destination, int PrefixLength, uint Gateway, int Metric)
{
    public bool IsDefault => PrefixLength == 0;
    public bool Matches(uint a) => PrefixLength == 0 || (a >> (32 - PrefixLength)) == (Destination >> (32 - PrefixLength));
}

/// <summary>
/// The IPv4 routes of this network namespace, read from /proc/net/route (the kernel's main table as
/// text; no netlink needed for a lookup done once per scan).
/// </summary>
public sealed class RouteTable(IReadOnlyList<Route> routes)
{
    public IReadOnlyList<Route> Routes { get; } = routes;

    public static RouteTable Load(string path = "/proc/net/route") => Parse(File.ReadAllText(path));

    /// <summary>Parses the /proc/net/route format: addresses are hex words in network byte order as the host reads them.</summary>
    public static RouteTable Parse(string text)
    {
        const int RTF_UP = 0x1;
        var routes = new List<Route>();
        foreach (var line in text.Split('\n').Skip(1))
        {
            var f = line.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 8) continue;
            int flags = int.Parse(f[3], NumberStyles.HexNumber);
            if ((flags & RTF_UP) == 0) continue;
            uint dst = FromProc(f[1]), gw = FromProc(f[2]), mask = FromProc(f[7]);
            routes.Add(new Route(f[0], dst, System.Numerics.BitOperations.PopCount(mask), gw, int.Parse(f[6])));
        }
        return new RouteTable(routes);
    }

    private static uint FromProc(string hex)
    {
        uint raw = uint.Parse(hex, NumberStyles.HexNumber);
        return BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(raw) : raw;
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
