using RawScan.Registry;
using RawScan.Results;

namespace RawScan.Tests;

/// <summary>
/// The one registry the tests control, so a report's service names, classes, flags and notes are known
/// in advance: the ports a test names (name, flags, note), the IANA class from the port for every port,
/// and a null name for a port it does not know, as the real registry gives.
/// </summary>
internal sealed class StubServiceRegistry(Dictionary<(Protocol, ushort), (string? Name, PortFlags Flags, string? Note)> known) : IServiceRegistry
{
    /// <summary>A few common names and three flagged ports; 31337 is flagged but has no name.</summary>
    private static readonly Dictionary<(Protocol, ushort), (string? Name, PortFlags Flags, string? Note)> Standard = new()
    {
        [(Protocol.Tcp, 22)] = ("ssh", PortFlags.None, null), [(Protocol.Tcp, 25)] = ("smtp", PortFlags.None, null),
        [(Protocol.Tcp, 80)] = ("http", PortFlags.None, null), [(Protocol.Tcp, 443)] = ("https", PortFlags.None, null),
        [(Protocol.Tcp, 8080)] = ("http-proxy", PortFlags.AlternateService, null), [(Protocol.Tcp, 8443)] = ("https-alt", PortFlags.None, null),
        [(Protocol.Tcp, 12345)] = ("netbus", PortFlags.Backdoor, null),
        [(Protocol.Tcp, 31337)] = (null, PortFlags.Backdoor | PortFlags.AlternateService, null),
        [(Protocol.Udp, 53)] = ("domain", PortFlags.None, null), [(Protocol.Udp, 123)] = ("ntp", PortFlags.None, null),
        [(Protocol.Udp, 161)] = ("snmp", PortFlags.None, null), [(Protocol.Udp, 500)] = ("isakmp", PortFlags.None, null),
    };

    /// <summary>The standard few.</summary>
    public StubServiceRegistry() : this(Standard) { }

    /// <summary>The standard few, with <paramref name="names"/> given to these ports (their flags kept).</summary>
    public static StubServiceRegistry Renaming(Dictionary<(Protocol, ushort), string> names)
    {
        var known = new Dictionary<(Protocol, ushort), (string? Name, PortFlags Flags, string? Note)>(Standard);
        foreach (var (port, name) in names) known[port] = known.GetValueOrDefault(port) with { Name = name };
        return new StubServiceRegistry(known);
    }

    public ServiceInfo Lookup(Protocol protocol, ushort port) =>
        known.TryGetValue((protocol, port), out var k)
            ? new ServiceInfo(protocol, port, k.Name, ServiceInfo.ClassOf(port), k.Flags, k.Note, 0)
            : new ServiceInfo(protocol, port, null, ServiceInfo.ClassOf(port), PortFlags.None, null, 0);
}
