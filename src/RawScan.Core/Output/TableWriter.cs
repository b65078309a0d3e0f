using RawScan.Registry;
using RawScan.Results;
using RawScan.Targets;

namespace RawScan.Output;

/// <summary>
/// The readable report: results grouped by host in address order, ports ascending, as nmap prints
/// them. Collects as results arrive and writes at the end, since grouping needs them all: call
/// <see cref="Write"/> only after the scan has returned (its threads joined), so no lock is needed.
/// With a registry, a SERVICE column names each port as nmap's does.
/// </summary>
public sealed class TableWriter(IServiceRegistry? registry = null, Func<PortResult, bool>? keep = null) : IResultSink
{
    private readonly List<PortResult> _results = [];

    /// <summary>Collects the result, unless <c>keep</c> (the states the table will show) leaves it out.</summary>
    public void OnResult(in PortResult r)
    {
        if (keep is null || keep(r)) _results.Add(r);
    }

    public int Count => _results.Count;

    public void Write(TextWriter w, Func<PortResult, bool> show)
    {
        List<PortResult> rows = [.. _results.Where(show)];
        rows.Sort((a, b) => a.Address != b.Address ? a.Address.CompareTo(b.Address)
            : a.Protocol != b.Protocol ? a.Protocol.CompareTo(b.Protocol) : a.Port.CompareTo(b.Port));
        foreach (var host in rows.GroupBy(r => r.Address))
        {
            w.WriteLine($"{Ipv4.Format(host.Key)}");
            if (registry is null)
            {
                w.WriteLine($"  {"PORT",-11} {"STATE",-14} TTL");
                foreach (var r in host)
                    w.WriteLine($"  {$"{r.Port}/{r.Protocol.Name()}",-11} {r.State.Name(),-14} {r.Ttl}");
                continue;
            }
            w.WriteLine($"  {"PORT",-11} {"STATE",-14} {"TTL",-4} SERVICE");
            foreach (var r in host)
                w.WriteLine($"  {$"{r.Port}/{r.Protocol.Name()}",-11} {r.State.Name(),-14} {r.Ttl,-4} {registry.Lookup(r.Protocol, r.Port).Name ?? "unknown"}".TrimEnd());
        }
    }
}
