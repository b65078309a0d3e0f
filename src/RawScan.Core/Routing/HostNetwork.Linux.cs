using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.Versioning;

namespace RawScan.Routing;

/// <summary>
/// Linux's host network, read from the kernel's text files (no netlink needed for what is looked up
/// once per scan): /proc/net/route, /proc/sys/net/ipv4/ip_local_port_range, /sys/class/net/IFACE/mtu.
/// <paramref name="root"/> is "/" but for tests, which give a directory holding sample files.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed partial class LinuxHostNetwork(string root = "/") : IHostNetwork
{
    private string At(string relative) => Path.Combine(root, relative);

    public RouteTable Routes() => ParseRoutes(File.ReadAllText(At("proc/net/route")));

    /// <summary>Parses the /proc/net/route format: addresses are hex words in network byte order as the host reads them.</summary>
    internal static RouteTable ParseRoutes(string text)
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

    public (int First, int Last)? EphemeralPorts()
    {
        try
        {
            var f = File.ReadAllText(At("proc/sys/net/ipv4/ip_local_port_range")).Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return (int.Parse(f[0], CultureInfo.InvariantCulture), int.Parse(f[1], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or FormatException or OverflowException or IndexOutOfRangeException or UnauthorizedAccessException) { return null; }
    }

    public int? Mtu(string iface)
    {
        try
        {
            return int.TryParse(File.ReadAllText(Path.Combine(At("sys/class/net"), iface, "mtu")).Trim(), out int m) && m > 0 ? m : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException) { return null; }
    }
}
