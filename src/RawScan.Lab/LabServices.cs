using RawScan.Lab.Internal;

namespace RawScan.Lab;

/// <summary>
/// The lab's target services: what <c>rawscan lab serve NAME</c> runs inside the target namespace,
/// started in the background by <see cref="LabManager.Up"/>.
/// </summary>
public static class LabServices
{
    /// <summary>
    /// Opens every service of <paramref name="spec"/> and serves until <paramref name="ct"/> is
    /// cancelled (the caller maps SIGTERM and SIGINT to it).
    /// </summary>
    /// <returns>0 once stopped.</returns>
    /// <exception cref="System.Net.Sockets.SocketException">A port could not be bound.</exception>
    public static int Serve(LabSpec spec, CancellationToken ct)
    {
        var services = new List<ILabService>();
        try
        {
            foreach (var service in Open(spec)) services.Add(service);
            Console.WriteLine($"lab {spec.Name}: serving {string.Join(", ", services.Select(s => s.Description))}");
            Task.WhenAll(services.Select(s => s.RunAsync(ct))).GetAwaiter().GetResult();
        }
        finally
        {
            foreach (var service in services) service.Dispose();
        }
        Console.WriteLine($"lab {spec.Name}: stopped");
        return 0;
    }

    /// <summary>Each service the spec calls for, bound as it is yielded (so a failure leaves the earlier ones to dispose).</summary>
    private static IEnumerable<ILabService> Open(LabSpec spec)
    {
        foreach (ushort port in spec.TcpOpenPorts) yield return new TcpAcceptService(port);
    }
}
