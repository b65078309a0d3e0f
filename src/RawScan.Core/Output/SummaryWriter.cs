using RawScan.Registry;
using RawScan.Results;

namespace RawScan.Output;

/// <summary>
/// The end-of-scan summary: counts by state, open ports by port class and protocol, the top services,
/// flagged ports (backdoor defaults, alternate service ports), with --banners what the banner grab did
/// and how many open ports run another service than the registry guesses, then what was sent and what came back.
/// It counts as results arrive (on the receive thread, its one writer) and writes once at the end.
/// </summary>
public sealed class SummaryWriter(IServiceRegistry registry) : IResultSink
{
    /// <summary>A loss estimate from this share up is said (1%: below it, a few late replies alone make the estimate).</summary>
    public const double LossWorthSaying = 0.01;

    private readonly long[] _byState = new long[4];
    // Open results by protocol and port (TCP first, then UDP): one increment per result on the receive
    // thread; classes, services and flags are looked up once per port when the summary is written.
    private readonly long[] _openByPort = new long[2 << 16];

    public void OnResult(in PortResult r)
    {
        _byState[(int)r.State]++;
        if (r.State == PortState.Open) _openByPort[(r.Protocol == Protocol.Tcp ? 0 : 1 << 16) + r.Port]++;
    }

    // --banners: open ports that came with a finding, those it identified, those whose service is not the registry's guess.
    private long _withFinding, _identified, _mismatched;

    /// <summary>An open port with its banner finding: counted as a result, and for the banners line.</summary>
    public void OnService(in PortResult r, ServiceFinding service)
    {
        OnResult(r);
        if (service is null) return;
        _withFinding++;
        if (service.Method == ServiceMethod.Probed && service.Service is not null) _identified++;
        if (FindingText.Mismatch(service, registry.Lookup(r.Protocol, r.Port)) is not null) _mismatched++;
    }

    /// <summary>Open ports whose banner named the service (method probed), and of those, how many contradict the registry.</summary>
    public long Identified => _identified;
    public long Mismatched => _mismatched;

    public long Count(PortState s) => _byState[(int)s];

    private static string Source(ScanSummary s) =>
        s.SourceIp6 is not { } v6 ? Targets.Ipv4.Format(s.SourceIp)
        : s.SourceIp == 0 ? Targets.Ipv6.Format(v6) : $"{Targets.Ipv4.Format(s.SourceIp)} and {Targets.Ipv6.Format(v6)}";

    /// <summary>Writes the summary, one topic a line, each starting "rawscan: ".</summary>
    public void Write(TextWriter w, ScanSummary s)
    {
        w.WriteLine($"rawscan: {s.NewProbesSent}/{s.ProbesPlanned} probes sent (+{s.Retransmits} retransmitted) on {s.Interface} ({s.SendPath}) " +
                    $"from {Source(s)} via {s.NextHopMac} in {s.SendTime.TotalSeconds:F2}s ({s.SendRate:F0} pps); total {s.Duration.TotalSeconds:F2}s");
        w.WriteLine($"rawscan: {s.Open} open, {s.Closed} closed, {s.Filtered} filtered{(s.OpenFiltered > 0 ? $", {s.OpenFiltered} open|filtered" : "")}; " +
                    $"{s.Replies} replies ({s.Duplicates} duplicate, {s.Late} late), {s.Forged} failed the proof, {s.Malformed} malformed, {s.Truncated} truncated, {s.KernelDrops} dropped by the kernel");
        var openByClass = new long[3, 2];                                      // [class, tcp=0 udp=1]
        var openByService = new Dictionary<string, long>();
        var flagged = new List<(Protocol Protocol, ushort Port, ServiceInfo Info, long Count)>();
        for (int i = 0; i < _openByPort.Length; i++)
        {
            long n = _openByPort[i];
            if (n == 0) continue;
            var protocol = i >> 16 == 0 ? Protocol.Tcp : Protocol.Udp;
            var info = registry.Lookup(protocol, (ushort)i);
            openByClass[(int)info.Class, i >> 16] += n;
            string service = info.Name ?? "unknown";
            openByService[service] = openByService.GetValueOrDefault(service) + n;
            if (info.Flags != PortFlags.None) flagged.Add((protocol, (ushort)i, info, n));
        }
        if (s.Open > 0)
        {
            var classes = Enum.GetValues<PortClass>().Select(c =>
            {
                long tcp = openByClass[(int)c, 0], udp = openByClass[(int)c, 1];
                return $"{ServiceInfo.ClassName(c)} {tcp + udp}" + (tcp > 0 && udp > 0 ? $" (tcp {tcp}, udp {udp})" : "");
            });
            w.WriteLine($"rawscan: open by class: {string.Join(", ", classes)}");
            var top = openByService.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(8);
            w.WriteLine($"rawscan: top services: {string.Join(", ", top.Select(kv => $"{kv.Key} {kv.Value}"))}");
        }
        if (flagged.Count > 0)
        {
            var text = flagged.OrderBy(f => f.Info.Flags.HasFlag(PortFlags.Backdoor) ? 0 : 1).ThenBy(f => f.Port)
                .Select(f => $"{f.Port}/{f.Protocol.Name()} x{f.Count} ({f.Info.Note ?? f.Info.Flags.ToString()})");
            w.WriteLine($"rawscan: flagged open ports: {string.Join(", ", text)}");
        }
        if (s.SettledRate is { } settled)
            w.WriteLine($"rawscan: --rate auto settled at {settled:F0} pps" +
                        (s.SecondChances > 0 ? $"; {s.SecondChances} probes silent through a period of loss were sent once more, at that rate" : ""));
        if (s.LossEstimate is { } loss && loss >= LossWorthSaying)
            w.WriteLine($"rawscan: {loss * 100:F0}% of probes were lost on the path; filtered verdicts may be loss: " +
                        (s.AutoRate ? "the probes silent through it were tried again at the settled rate" : "rerun with a lower --rate, or --rate auto"));
        if (s.Banners is { } b)
            w.WriteLine($"rawscan: banners: {b.WithBanner} of {b.Ports} open TCP ports answered, {b.Identified} named by their answer; " +
                        $"{b.Connections} connections, {b.Segments} segments sent ({b.Retransmits} resent, {b.Resets} RSTs)" +
                        (b.Waited > 0 ? $"; {b.Waited} waited for one of the {"--banner-connections"}" : "") +
                        (b.Skipped > 0 ? $"; {b.Skipped} open ports got no banner connection (none free before the scan ended)" : ""));
        if (s.Banners is not null || _withFinding > 0)
            w.WriteLine($"rawscan: registry mismatches: {_mismatched} open TCP ports run another service than the registry's guess");
        if (s.Retransmits > 0 || s.SmoothedRtt > TimeSpan.Zero)
            w.WriteLine($"rawscan: smoothed RTT {s.SmoothedRtt.TotalMilliseconds:F3} ms, timeout {s.Timeout.TotalMilliseconds:F0} ms" +
                        (s.ResetsSent > 0 ? $"; {s.ResetsSent} RSTs sent (--reset)" : ""));
    }
}
