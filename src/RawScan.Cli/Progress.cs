using System.Diagnostics;

namespace RawScan.Cli;

/// <summary>
/// Live progress on standard error while a scan runs: on a terminal one line redrawn twice a second;
/// otherwise a plain line every five seconds, so a log is not flooded. It reads the scan's counters
/// (one writer each, read without locks) on a thread of its own; kernel drops are always shown.
/// </summary>
internal sealed class Progress : IDisposable
{
    private readonly ScanCounters _c;
    private readonly TextWriter _out;
    private readonly bool _terminal;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _stop = new();
    private bool _drawn;

    public Progress(ScanCounters counters, TextWriter output, bool terminal)
    {
        _c = counters;
        _out = output;
        _terminal = terminal;
        _thread = new Thread(Run) { Name = "rawscan-progress", IsBackground = true };
        _thread.Start();
    }

    private void Run()
    {
        var interval = TimeSpan.FromMilliseconds(_terminal ? 500 : 5000);
        long lastSent = 0, lastTime = Stopwatch.GetTimestamp();
        while (!_stop.Wait(interval))
        {
            long now = Stopwatch.GetTimestamp(), sent = Interlocked.Read(ref _c.ProbesSent);
            double rate = (sent - lastSent) / Stopwatch.GetElapsedTime(lastTime, now).TotalSeconds;
            (lastSent, lastTime) = (sent, now);
            Draw(Line(sent, rate));
        }
        if (_terminal && _drawn) _out.Write("\r\x1b[K");                 // leave the terminal clean for the report
        _out.Flush();
    }

    internal string Line(long sent, double rate)
    {
        long planned = Math.Max(1, _c.ProbesPlanned), fresh = sent - _c.Retransmits;
        double done = Math.Min(100.0, 100.0 * fresh / planned);
        string eta = rate > 0 && fresh < planned ? TimeSpan.FromSeconds((planned - fresh) / rate).ToString(@"h\:mm\:ss") : "-";
        return $"rawscan: {done,5:F1}% {fresh}/{planned} probes, {rate:F0} pps, ETA {eta}; found {_c.Open} open, {_c.Closed} closed, " +
               $"{_c.Filtered + _c.FilteredByIcmp + _c.OpenFiltered} filtered; {_c.Retransmits} retransmitted; {Volatile.Read(ref _c.KernelDrops)} kernel drops";
    }

    private void Draw(string line)
    {
        if (_terminal) { _out.Write($"\r\x1b[K{line}"); _drawn = true; }
        else _out.WriteLine(line);
        _out.Flush();
    }

    public void Dispose()
    {
        _stop.Set();
        _thread.Join();
        _stop.Dispose();
    }
}
