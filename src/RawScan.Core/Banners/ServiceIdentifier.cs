using RawScan.Registry;
using RawScan.Results;

namespace RawScan.Banners;

/// <summary>
/// STUB (to be replaced): names the service behind a banner. Called on the receive thread once per
/// finished banner; must be fast and must never stall it.
/// </summary>
public sealed class ServiceIdentifier(IServiceRegistry registry)
{
    /// <summary>The identifier of a scan: the registry, the built-in recognisers and, when nmap is installed, its rules.</summary>
    public static ServiceIdentifier Create(IServiceRegistry registry) => new(registry);

    /// <summary>The steps for a port: what its registry entry suggests first, then the fallbacks.</summary>
    public HelloPlan PlanFor(ushort port) => new([null]);

    /// <summary>Whether what came in so far is a whole answer (a greeting line, HTTP headers, a TLS certificate...): the connection can close.</summary>
    public bool IsComplete(ReadOnlySpan<byte> received, IHello? hello) => received.IndexOf((byte)'\n') >= 0;

    /// <summary>What the bytes a step drew say; Method Table (and the registry's name) when they say nothing known.</summary>
    public ServiceFinding Identify(ReadOnlySpan<byte> banner, IHello? hello, ushort port) =>
        new() { Service = registry.Lookup(Protocol.Tcp, port).Name, Method = ServiceMethod.Table, Banner = banner.ToArray(), Hello = hello?.Name ?? (banner.IsEmpty ? null : "null") };
}
