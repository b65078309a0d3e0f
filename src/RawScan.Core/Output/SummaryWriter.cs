using RawScan.Registry;
using RawScan.Results;

namespace RawScan.Output;

/// <summary>
/// The end-of-scan summary: counts by state, open ports by port class and protocol, the top services,
/// flagged ports (backdoor defaults, alternate service ports), then what was sent and what came back.
/// It counts as results arrive (on the receive thread, its one writer) and writes once at the end.
/// </summary>
public sealed class SummaryWriter(IServiceRegistry registry) : IResultSink
{
    private readonly long[] _byState = new long[4];
    private readonly long[,] _openByClass = new long[3, 2];                // [class, tcp=0 udp=1]
    private readonly Dictionary<string, long> _openByService = [];
    private readonly Dictionary<(Protocol, ushort), (ServiceInfo Info, long Count)> _flagged = [];

    public void OnResult(in PortResult r)
    {
        _byState[(int)r.State]++;
        if (r.State != PortState.Open) return;
        var info = registry.Lookup(r.Protocol, r.Port);
        _openByClass[(int)info.Class, r.Protocol == Protocol.Tcp ? 0 : 1]++;
        string service = info.Name ?? "unknown";
        _openByService[service] = _openByService.GetValueOrDefault(service) + 1;
        if (info.Flags != PortFlags.None)
            _flagged[(r.Protocol, r.Port)] = (info, _flagged.GetValueOrDefault((r.Protocol, r.Port)).Count + 1);
    }

    public long Count(PortState s) => _byState[(int)s];

    /// <summary>Writes the summary, one topic a line, each starting "rawscan: ".</summary>
    public void Write(TextWriter w, ScanSummary s)
    {
        w.WriteLine($"rawscan: {s.NewProbesSent}/{s.ProbesPlanned} probes sent (+{s.Retransmits} retransmitted) on {s.Interface} ({s.SendPath}) " +
                    $"from {Targets.Ipv4.Format(s.SourceIp)} via {s.NextHopMac} in {s.SendTime.TotalSeconds:F2}s ({s.SendRate:F0} pps); total {s.Duration.TotalSeconds:F2}s");
        w.WriteLine($"rawscan: {s.Open} open, {s.Closed} closed, {s.Filtered} filtered{(s.OpenFiltered > 0 ? $", {s.OpenFiltered} open|filtered" : "")}; " +
                    $"{s.Replies} replies ({s.Duplicates} duplicate, {s.Late} late), {s.Forged} failed the proof, {s.Malformed} malformed, {s.KernelDrops} dropped by the kernel");
        if (s.Open > 0)
        {
            var classes = Enum.GetValues<PortClass>().Select(c =>
            {
                long tcp = _openByClass[(int)c, 0], udp = _openByClass[(int)c, 1];
                return $"{ServiceInfo.ClassName(c)} {tcp + udp}" + (tcp > 0 && udp > 0 ? $" (tcp {tcp}, udp {udp})" : "");
            });
            w.WriteLine($"rawscan: open by class: {string.Join(", ", classes)}");
            var top = _openByService.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(8);
            w.WriteLine($"rawscan: top services: {string.Join(", ", top.Select(kv => $"{kv.Key} {kv.Value}"))}");
        }
        if (_flagged.Count > 0)
        {
            var flagged = _flagged.OrderBy(kv => kv.Value.Info.Flags.HasFlag(PortFlags.Backdoor) ? 0 : 1).ThenBy(kv => kv.Key.Item2)
                .Select(kv => $"{kv.Key.Item2}/{kv.Key.Item1.Name()} x{kv.Value.Count} ({kv.Value.Info.Note ?? kv.Value.Info.Flags.ToString()})");
            w.WriteLine($"rawscan: flagged open ports: {string.Join(", ", flagged)}");
        }
        if (s.Retransmits > 0 || s.SmoothedRtt > TimeSpan.Zero)
            w.WriteLine($"rawscan: smoothed RTT {s.SmoothedRtt.TotalMilliseconds:F3} ms, timeout {s.Timeout.TotalMilliseconds:F0} ms" +
                        (s.ResetsSent > 0 ? $"; {s.ResetsSent} RSTs sent (--reset)" : ""));
    }
}
