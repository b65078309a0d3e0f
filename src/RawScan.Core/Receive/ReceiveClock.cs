using System.Diagnostics;

namespace RawScan.Receive;

/// <summary>
/// How far the receive loop has got, in Stopwatch ticks: every reply captured before this moment has
/// been matched. The sender judges a probe unanswered only up to here, not up to "now": a receive
/// thread that falls behind (a busy CPU) would otherwise see replies it had captured in time treated
/// as timeouts, resent, given up and finally counted late. One writer (the receive loop), read by the
/// sender with an atomic read.
/// </summary>
internal sealed class ReceiveClock
{
    private long _watermark = Stopwatch.GetTimestamp();

    public long Watermark => Volatile.Read(ref _watermark);

    /// <summary>The receive loop has matched everything captured up to <paramref name="ticks"/>.</summary>
    public void Advance(long ticks)
    {
        if (ticks > _watermark) Volatile.Write(ref _watermark, ticks);
    }
}
