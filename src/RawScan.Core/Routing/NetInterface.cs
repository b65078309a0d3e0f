using System.Net.NetworkInformation;
using System.Net.Sockets;
using RawScan.Targets;

namespace RawScan.Routing;

/// <summary>
/// What the scanner needs to know about the interface it sends on. Portable: .NET's NetworkInterface,
/// no platform file. A Windows port has one thing to add on top: libpcap names a device
/// \Device\NPF_{GUID} where NetworkInterface.Name is the friendly name, so it matches them by
/// NetworkInterface.Id (the GUID).
/// </summary>
public sealed record NetInterface(string Name, byte[] Mac, IReadOnlyList<(uint Address, int PrefixLength)> Addresses, bool IsUp)
{
    public static NetInterface? Find(string name)
    {
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.Name != name) continue;
            var addrs = nic.GetIPProperties().UnicastAddresses
                .Where(u => u.Address.AddressFamily == AddressFamily.InterNetwork)
                .Select(u => (Ipv4.FromIPAddress(u.Address), u.PrefixLength))
                .ToList();
            return new NetInterface(name, nic.GetPhysicalAddress().GetAddressBytes(), addrs,
                nic.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown);
        }
        return null;
    }

    public static IEnumerable<string> Names() => NetworkInterface.GetAllNetworkInterfaces().Select(n => n.Name);

    public bool Owns(uint address) => Addresses.Any(a => a.Address == address);

    /// <summary>The interface address on the same subnet as <paramref name="peer"/>, else its first address.</summary>
    public uint? AddressFacing(uint peer)
    {
        foreach (var (a, len) in Addresses)
            if (new Route(Name, a, len, 0, 0).Matches(peer)) return a;
        return Addresses.Count > 0 ? Addresses[0].Address : null;
    }
}
