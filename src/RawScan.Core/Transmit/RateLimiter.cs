using System.Diagnostics;

namespace RawScan.Transmit;

/// <summary>
/// Paces the send loop: a batch is released once the packets before it have had their time at the
/// rate (masscan main-throttle.c: one clock read per batch, never per packet). The rate can change
/// while the scan runs (--rate auto): the schedule is re-based at the change, so neither a burst nor a
/// pause follows it.
/// </summary>
public sealed class RateLimiter
{
    private double _rate;                   // packets per second; +inf for unlimited
    private long _base;                     // Stopwatch ticks the current rate's schedule starts from
    private long _releasedAtBase;
    private long _released;

    /// <param name="batchCapacity">The largest batch the send loop may fill (its frame buffer); by default what the rate needs.</param>
    public RateLimiter(double packetsPerSecond, int? batchCapacity = null)
    {
        _rate = packetsPerSecond;
        _base = Stopwatch.GetTimestamp();
        BatchSize = batchCapacity ?? BatchFor(packetsPerSecond);
        BatchLimit = Math.Min(BatchSize, BatchFor(packetsPerSecond));
    }

    /// <summary>
    /// Frames a batch at this rate: 2,000 batches a second (a batch of 64 at 128k pps and above), so a
    /// batch never holds more than half a millisecond of the rate.
    /// </summary>
    public static int BatchFor(double rate) => double.IsPositiveInfinity(rate) ? 64 : (int)Math.Clamp(rate / 2000, 1, 64);

    /// <summary>The frame buffer's capacity: the most a batch can ever hold.</summary>
    public int BatchSize { get; }

    /// <summary>How many frames a batch holds at the current rate (at most <see cref="BatchSize"/>).</summary>
    public int BatchLimit { get; private set; }

    public double Rate => _rate;

    private static readonly long CatchUpTicks = Stopwatch.Frequency / 100;

    public long Released => _released;

    /// <summary>A new rate from the next batch on (the send thread's).</summary>
    public void SetRate(double packetsPerSecond)
    {
        long now = Stopwatch.GetTimestamp();
        // Where the old schedule had got to: behind it (late), the new one starts now; ahead, where it stood.
        long due = Due();
        _base = Math.Max(now, due);
        _releasedAtBase = _released;
        _rate = packetsPerSecond;
        BatchLimit = Math.Min(BatchSize, BatchFor(packetsPerSecond));
    }

    private long Due() => double.IsPositiveInfinity(_rate) ? _base : _base + (long)((_released - _releasedAtBase) / _rate * Stopwatch.Frequency);

    public void Acquire(int count, CancellationToken ct)
    {
        if (double.IsPositiveInfinity(_rate)) { _released += count; return; }
        // A batch leaves once the packets before it have had their time: the first goes at once.
        long due = Due();
        // A sender that stalled (waiting for room, for the last timeouts, for a checkpoint) does not make
        // the time up in one burst, which a policer with a small bucket would drop: more than 10 ms
        // behind, the schedule starts again from now.
        long late = Stopwatch.GetTimestamp() - due;
        if (late > CatchUpTicks)
        {
            _base = due = Stopwatch.GetTimestamp();
            _releasedAtBase = _released;
        }
        while (true)
        {
            long now = Stopwatch.GetTimestamp();
            long wait = due - now;
            if (wait <= 0 || ct.IsCancellationRequested) break;
            long ms = wait * 1000 / Stopwatch.Frequency;
            if (ms >= 2) Thread.Sleep((int)Math.Min(ms - 1, 200));
            else Thread.SpinWait(64);
        }
        _released += count;
    }
}
