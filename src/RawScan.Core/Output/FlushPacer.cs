using RawScan.Results;

namespace RawScan.Output;

/// <summary>
/// Flushes a streamed report while results trickle, from the receive loop's <see cref="IResultSink.Tick"/>:
/// once something was written, the next tick at least <c>period</c> after the last flush flushes it.
/// It runs on the thread that writes, so it needs no lock, and it reads no clock (the tick brings the
/// time). Without it a slow scan's lines sat in the 32 K-char buffer: 0 lines in the file after 3 s.
/// A failed flush (a full disk, a closed pipe) throws, on the receive thread: the scan stops there
/// and saves its place rather than scanning on into a report that is lost (see ReportWriteException).
/// </summary>
internal struct FlushPacer(TimeSpan period)
{
    private readonly long _periodMicros = (long)period.TotalMicroseconds;
    private long _last;

    /// <summary>Something was written since the last flush.</summary>
    public bool Dirty;

    public void Tick(TextWriter writer, long wallMicros)
    {
        if (!Dirty) { _last = wallMicros; return; }   // nothing waiting: a write from now on waits at most a period
        if (wallMicros - _last < _periodMicros) return;
        Dirty = false;
        _last = wallMicros;
        writer.Flush();
    }
}
