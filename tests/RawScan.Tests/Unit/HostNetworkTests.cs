using System.Text.RegularExpressions;
using RawScan.Lab.Internal;
using RawScan.Routing;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// The host network's platform seam: Linux's reader over a directory of sample /proc and /sys files,
/// the scan's policies over what it reports (source ports above the ephemeral range, the snap length
/// from the MTU), the real host checked against iproute2, and what a platform without a reader does.
/// </summary>
public sealed class HostNetworkTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("rawscan-hostnet-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static uint Ip(string s) => Ipv4.TryParse(s, out uint a) ? a : throw new ArgumentException(s);

    private LinuxHostNetwork Write(string relative, string text)
    {
        string file = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, text);
        return new LinuxHostNetwork(_root);
    }

    /// <summary>
    /// /proc/net/route as the kernel writes it: hex words of the address bytes read in host order
    /// (10.0.2.2 is 0202000A on x86), flags in hex (RTF_UP 1, RTF_GATEWAY 2); a route that is not up is skipped.
    /// </summary>
    [Fact]
    public void LinuxRoutesAreReadFromProcNetRoute()
    {
        var host = Write("proc/net/route",
            "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
            "eth0\t00000000\t0202000A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n" +
            "eth0\t0002000A\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n" +
            "scan0\t000012C6\t00000000\t0001\t0\t0\t5\t0000FFFF\t0\t0\t0\n" +
            "old0\t000013C6\t00000000\t0000\t0\t0\t0\t0000FFFF\t0\t0\t0\n");
        var table = host.Routes();
        Assert.Equal(
            [new Route("eth0", 0, 0, Ip("10.0.2.2"), 100), new Route("eth0", Ip("10.0.2.0"), 24, 0, 100), new Route("scan0", Ip("198.18.0.0"), 16, 0, 5)],
            table.Routes);
        Assert.Equal("scan0", table.Lookup(Ip("198.18.200.7"))!.Interface);
        Assert.True(table.Lookup(Ip("198.19.0.1"))!.IsDefault);             // old0 is down: its /16 routes nothing
        Assert.Equal(Ip("10.0.2.2"), table.Lookup(Ip("8.8.8.8"))!.Gateway);
        Assert.Throws<DirectoryNotFoundException>(() => new LinuxHostNetwork(Path.Combine(_root, "none")).Routes());
    }

    [Theory]
    [InlineData("32768\t60999\n", 32768, 60999, 61000)]   // Linux's default range: ours start just above it
    [InlineData("1024 40000", 1024, 40000, 40001)]
    [InlineData("1024\t65000\n", 1024, 65000, 61000)]      // no room above: the fixed fallback
    public void SourcePortsStartAboveTheEphemeralRange(string file, int first, int last, int ours)
    {
        var host = Write("proc/sys/net/ipv4/ip_local_port_range", file);
        Assert.Equal((first, last), host.EphemeralPorts());
        Assert.Equal(((ushort)ours, (ushort)65535), Scanner.DefaultSourcePorts(host.EphemeralPorts()));
    }

    [Fact]
    public void AnUnreadableEphemeralRangeFallsBack()
    {
        Assert.Null(new LinuxHostNetwork(_root).EphemeralPorts());
        Assert.Null(Write("proc/sys/net/ipv4/ip_local_port_range", "32768\n").EphemeralPorts());
        Assert.Equal(((ushort)61000, (ushort)65535), Scanner.DefaultSourcePorts(null));
    }

    /// <summary>The capture keeps the interface's largest frame: its MTU, an Ethernet header and two VLAN tags.</summary>
    [Fact]
    public void SnaplenFollowsTheMtuFromSysClassNet()
    {
        var host = Write("sys/class/net/scan0/mtu", "9000\n");
        Assert.Equal(9000, host.Mtu("scan0"));
        Assert.Equal(9022, Scanner.CaptureSnaplen(host.Mtu("scan0")));
        Assert.Null(host.Mtu("eth7"));
        Assert.Equal(1522, Scanner.CaptureSnaplen(host.Mtu("eth7")));
        Assert.Null(Write("sys/class/net/bad0/mtu", "0\n").Mtu("bad0"));
        Assert.Equal(256, Scanner.CaptureSnaplen(68));
    }

    /// <summary>The reader on this very host agrees with iproute2, which asks the kernel by netlink, not /proc or /sys.</summary>
    [Fact]
    public void OnLinuxTheHostNetworkAgreesWithIproute2()
    {
        var host = Assert.IsType<LinuxHostNetwork>(HostNetwork.Current);
        string link = Exec.Run("ip", "-o", "link", "show", "lo");
        Assert.Equal(int.Parse(Regex.Match(link, @" mtu (\d+) ").Groups[1].Value), host.Mtu("lo"));

        var routes = host.Routes().Routes;
        var ipRoutes = Exec.Run("ip", "-4", "route", "show", "table", "main").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(ipRoutes.Length, routes.Count);
        foreach (var line in ipRoutes)
        {
            var m = Regex.Match(line, @"^(default|[\d.]+(?:/(\d+))?)(?: via ([\d.]+))? dev (\S+)");
            Assert.True(m.Success, line);
            uint dst = m.Groups[1].Value == "default" ? 0 : Ip(m.Groups[1].Value.Split('/')[0]);
            int len = m.Groups[1].Value == "default" ? 0 : m.Groups[2].Success ? int.Parse(m.Groups[2].Value) : 32;
            uint gw = m.Groups[3].Success ? Ip(m.Groups[3].Value) : 0;
            Assert.Contains(routes, r => r.Destination == dst && r.PrefixLength == len && r.Gateway == gw && r.Interface == m.Groups[4].Value);
        }
    }

    /// <summary>
    /// A platform without a reader (Windows today) refuses to guess routes, falls back for the
    /// ephemeral range, and takes the MTU from .NET's portable interface list.
    /// </summary>
    [Fact]
    public void WithoutAPlatformReaderRoutesAreRefusedAndTheRestFallsBack()
    {
        var unported = new HostNetwork.Unported();
        var e = Assert.Throws<PlatformNotSupportedException>(() => unported.Routes());
        Assert.Contains("/proc/net/route", e.Message);
        Assert.Null(unported.EphemeralPorts());
        Assert.Equal(new LinuxHostNetwork().Mtu("lo"), unported.Mtu("lo"));
        Assert.Null(unported.Mtu("rawscan-nope0"));
    }
}
