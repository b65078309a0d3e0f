using System.Net.Sockets;
using RawScan.Lab.Internal;

namespace RawScan.Lab;

/// <summary>
/// The lab's target services: what <c>rawscan lab serve NAME</c> runs inside the target namespace,
/// started in the background by <see cref="LabManager.Up"/>.
/// </summary>
public static class LabServices
{
    /// <summary>Reply buffer per datagram for SNMP: a GetRequest of up to 4 KiB, its values grown to sysDescr.</summary>
    private const int SnmpReplySize = 8192;

    /// <summary>
    /// Opens every service of <paramref name="spec"/> and serves until <paramref name="ct"/> is
    /// cancelled (the caller maps SIGTERM and SIGINT to it). A service that fails stops them all, and
    /// its exception comes out of here: a lab that has stopped answering must not look alive.
    /// </summary>
    /// <returns>0 once stopped.</returns>
    /// <exception cref="System.Net.Sockets.SocketException">A port could not be bound.</exception>
    public static int Serve(LabSpec spec, CancellationToken ct)
    {
        var services = new List<ILabService>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            foreach (var service in Open(spec)) services.Add(service);
            Console.WriteLine($"lab {spec.Name}: serving {string.Join(", ", services.Select(s => s.Description))}");
            var running = services.Select(s => s.RunAsync(stop.Token)).ToList();
            foreach (var task in running)
                _ = task.ContinueWith(_ => stop.Cancel(), TaskContinuationOptions.OnlyOnFaulted);
            Task.WhenAll(running).GetAwaiter().GetResult();
        }
        finally
        {
            stop.Cancel();
            foreach (var service in services) service.Dispose();
        }
        Console.WriteLine($"lab {spec.Name}: stopped");
        return 0;
    }

    /// <summary>
    /// Each service the spec calls for, of each family it speaks (one socket per family and port; TCP's
    /// ports share one service and thread per family, see <see cref="TcpAcceptService"/>; UDP's have one
    /// each, see <see cref="UdpResponderService"/>), bound as it is yielded (so a failure leaves the earlier ones to dispose).
    /// </summary>
    private static IEnumerable<ILabService> Open(LabSpec spec)
    {
        AddressFamily[] families = spec.HasIpv6 ? [AddressFamily.InterNetwork, AddressFamily.InterNetworkV6] : [AddressFamily.InterNetwork];
        if (spec.TcpOpenPorts.Count > 0)
            foreach (var family in families) yield return new TcpAcceptService(spec.TcpOpenPorts, family);
        foreach (var family in families)
            foreach (ushort port in spec.UdpOpenPorts)
            {
                yield return LabSpec.UdpServiceName(port) switch
                {
                    "dns" => new UdpResponderService(port, "dns", DnsResponder.Respond, DnsResponder.MaxReplyLength, family),
                    "snmp" => new UdpResponderService(port, "snmp", static (query, _, reply) => SnmpResponder.Respond(query, reply), SnmpReplySize, family),
                    _ => throw new LabException($"no responder for udp/{port}: the lab serves udp 53 (dns) and 161 (snmp)"),
                };
            }
    }
}
