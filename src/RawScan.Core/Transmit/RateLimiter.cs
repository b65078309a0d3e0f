using System.Diagnostics;

namespace RawScan.Transmit;

/// <summary>
/// Holds the send rate to packets-per-second over the whole scan, releasing packets in batches with
/// one clock read per batch (masscan main-throttle.c). Credit is measured from the scan's start, so
/// an early stall is made up later and the average converges on the asked rate instead of drifting.
/// </summary>
public sealed class RateLimiter
{
    private readonly double _rate;          // packets per second; +inf for unlimited
    private readonly long _start;
    private long _released;

    public RateLimiter(double packetsPerSecond)
    {
        _rate = packetsPerSecond;
        _start = Stopwatch.GetTimestamp();
        BatchSize = double.IsPositiveInfinity(packetsPerSecond) ? 64 : (int)Math.Clamp(packetsPerSecond / 2000, 1, 64);
    }

    /// <summary>Packets per batch: about 0.5 ms worth at the asked rate, at most 64, at least 1.</summary>
    public int BatchSize { get; }

    public long Released => _released;

    /// <summary>Blocks until <paramref name="count"/> more packets may leave, then counts them as released.</summary>
    public void Acquire(int count, CancellationToken ct)
    {
        if (double.IsPositiveInfinity(_rate)) { _released += count; return; }
        // A batch leaves once the packets before it have had their time: the first goes at once.
        long due = _start + (long)(_released / _rate * Stopwatch.Frequency);
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
