using System.Diagnostics;
using System.Globalization;

namespace RawScan.Cli;

/// <summary>How progress is shown on standard error.</summary>
internal enum ProgressStyle { Terminal, Plain, Json }

/// <summary>
/// Live progress on standard error while a scan runs: on a terminal a bar redrawn twice a second;
/// otherwise a plain line every five seconds, so a log is not flooded; with --status-json one JSON
/// object a second, for programs. It reads the scan's counters (one writer each, read without locks)
/// on a thread of its own; kernel drops are always shown.
/// </summary>
internal sealed class Progress : IDisposable
{
    private readonly ScanCounters _c;
    private readonly TextWriter _out;
    private readonly ProgressStyle _style;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _stop = new();
    private readonly long _start = Stopwatch.GetTimestamp();
    private bool _drawn;

    public Progress(ScanCounters counters, TextWriter output, ProgressStyle style)
    {
        _c = counters;
        _out = output;
        _style = style;
        _thread = new Thread(Run) { Name = "rawscan-progress", IsBackground = true };
        _thread.Start();
    }

    private void Run()
    {
        var interval = TimeSpan.FromMilliseconds(_style switch { ProgressStyle.Terminal => 500, ProgressStyle.Json => 1000, _ => 5000 });
        long lastSent = 0, lastTime = _start;
        while (!_stop.Wait(interval))
        {
            long now = Stopwatch.GetTimestamp(), sent = Interlocked.Read(ref _c.ProbesSent);
            double rate = (sent - lastSent) / Stopwatch.GetElapsedTime(lastTime, now).TotalSeconds;
            (lastSent, lastTime) = (sent, now);
            var s = Snapshot(sent, rate, Stopwatch.GetElapsedTime(_start, now));
            switch (_style)
            {
                case ProgressStyle.Terminal: _out.Write($"\r\x1b[K{Bar(s)}"); _drawn = true; break;
                case ProgressStyle.Json: _out.WriteLine(Json(s)); break;
                default: _out.WriteLine(Line(s)); break;
            }
            _out.Flush();
        }
        if (_drawn) _out.Write("\r\x1b[K");                 // leave the terminal clean for the report
        _out.Flush();
    }

    internal readonly record struct State(double Elapsed, long Sent, long Planned, long Retransmits, double Rate, double Percent, double? Eta,
        long Open, long Closed, long Filtered, long KernelDrops, double? Loss = null, double RttMs = 0, double? Target = null);

    internal State Snapshot(long sent, double rate, TimeSpan elapsed)
    {
        long planned = Math.Max(1, _c.ProbesPlanned), retransmits = _c.Retransmits, fresh = sent - retransmits;
        double? eta = rate > 0 && fresh < planned ? (planned - fresh) / rate : null;
        return new State(elapsed.TotalSeconds, fresh, planned, retransmits, rate, Math.Min(100.0, 100.0 * fresh / planned), eta,
            _c.Open, _c.Closed, _c.Filtered + _c.FilteredByIcmp + _c.OpenFiltered, Volatile.Read(ref _c.KernelDrops),
            _c.LossEstimate, Volatile.Read(ref _c.SmoothedRttMicros) / 1000.0, AutoTarget(Volatile.Read(ref _c.CurrentRate)));
    }

    private static double? AutoTarget(double rate) => rate > 0 && !double.IsPositiveInfinity(rate) ? rate : null;

    // --rate auto's target rate, the loss estimate and the RTT, where known.
    private static string Path(State s) =>
        (s.Target is { } t ? $", auto {t:F0} pps" : "") + (s.Loss is { } l ? $", loss {l * 100:F1}%" : "") + (s.RttMs > 0 ? $", RTT {s.RttMs:F2} ms" : "");

    private static string Eta(State s) => s.Eta is { } e ? TimeSpan.FromSeconds(e).ToString(@"h\:mm\:ss") : "-";

    internal static string Line(State s) =>
        $"rawscan: {s.Percent,5:F1}% {s.Sent}/{s.Planned} probes, {s.Rate:F0} pps, ETA {Eta(s)}; found {s.Open} open, {s.Closed} closed, " +
        $"{s.Filtered} filtered; {s.Retransmits} retransmitted; {s.KernelDrops} kernel drops{Path(s)}";

    internal static string Bar(State s)
    {
        const int width = 24;
        int filled = (int)(s.Percent / 100 * width);
        return $"[{new string('#', filled)}{new string('.', width - filled)}] {s.Percent,5:F1}%  {s.Rate,9:N0} pps  ETA {Eta(s)}  " +
               $"open {s.Open}  closed {s.Closed}  filtered {s.Filtered}  drops {s.KernelDrops}{Path(s)}";
    }

    internal static string Json(State s) => string.Create(CultureInfo.InvariantCulture,
        $"{{\"elapsed\":{s.Elapsed:F3},\"sent\":{s.Sent},\"planned\":{s.Planned},\"retransmitted\":{s.Retransmits},\"rate\":{s.Rate:F0}," +
        $"\"percent\":{s.Percent:F2},\"eta\":{(s.Eta is { } e ? e.ToString("F1", CultureInfo.InvariantCulture) : "null")}," +
        $"\"open\":{s.Open},\"closed\":{s.Closed},\"filtered\":{s.Filtered},\"kernel_drops\":{s.KernelDrops}," +
        $"\"auto_rate\":{(s.Target is { } t ? t.ToString("F0", CultureInfo.InvariantCulture) : "null")}," +
        $"\"loss\":{(s.Loss is { } l ? l.ToString("F4", CultureInfo.InvariantCulture) : "null")},\"rtt_ms\":{s.RttMs:F3}}}");

    public void Dispose()
    {
        _stop.Set();
        _thread.Join();
        _stop.Dispose();
    }
}
