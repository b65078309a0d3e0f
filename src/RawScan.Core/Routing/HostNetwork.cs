using System.Net.NetworkInformation;
using System.Runtime.InteropServices;

namespace RawScan.Routing;

/// <summary>
/// What a scan asks the operating system about its network, once, while it is set up: the routes, the
/// kernel's ephemeral port range, an interface's MTU. The platform seam of the way out: Linux answers
/// from /proc and /sys (<see cref="LinuxHostNetwork"/>, HostNetwork.Linux.cs); a Windows port adds
/// HostNetwork.Windows.cs (the IP Helper API) and one line to <see cref="HostNetwork.Current"/>.
/// </summary>
internal interface IHostNetwork
{
    /// <summary>The IPv4 routes of the main table (of this network namespace, on Linux).</summary>
    RouteTable Routes();

    /// <summary>The IPv6 routes of the main table, reject routes included.</summary>
    RouteTable6 Routes6();

    /// <summary>The host's IPv6 addresses, every interface.</summary>
    IReadOnlyList<InterfaceAddress6> Addresses6();

    /// <summary>The ports the kernel gives the host's own connections, or null when it does not say.</summary>
    (int First, int Last)? EphemeralPorts();

    /// <summary>The interface's MTU, or null when unknown.</summary>
    int? Mtu(string iface);
}

/// <summary>The host network of the platform this process runs on, chosen once.</summary>
internal static class HostNetwork
{
    public static IHostNetwork Current { get; } = OperatingSystem.IsLinux() ? new LinuxHostNetwork() : new Unported();

    /// <summary>
    /// Where no host network is written yet: routes cannot be read (a clear refusal, not an empty table
    /// that would read as "no route"), the ephemeral range is unknown (the caller's fallback), and the
    /// MTU comes from .NET's portable interface list.
    /// </summary>
    internal sealed class Unported : IHostNetwork
    {
        public RouteTable Routes() => throw new PlatformNotSupportedException(
            $"RawScan reads routes from Linux's /proc/net/route; on {RuntimeInformation.OSDescription} there is no route source yet (src/RawScan.Core/Routing/HostNetwork.cs)");

        public RouteTable6 Routes6() => throw new PlatformNotSupportedException(
            $"RawScan reads IPv6 routes from Linux's /proc/net/ipv6_route; on {RuntimeInformation.OSDescription} there is no route source yet (src/RawScan.Core/Routing/HostNetwork.cs)");

        public IReadOnlyList<InterfaceAddress6> Addresses6() => [];

        public (int First, int Last)? EphemeralPorts() => null;

        public int? Mtu(string iface)
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
                if (nic.Name == iface) return nic.GetIPProperties().GetIPv4Properties()?.Mtu;
            return null;
        }
    }
}
