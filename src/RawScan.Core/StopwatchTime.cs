using System.Diagnostics;

namespace RawScan;

/// <summary>
/// Conversions between <see cref="Stopwatch"/> ticks and microseconds that cannot overflow. The plain
/// <c>ticks * 1_000_000 / Frequency</c> does: with Linux's 1 GHz Stopwatch the product passes
/// long.MaxValue once the machine has been up 2.56 hours, and <c>micros * Frequency</c> for a
/// wall-clock time (1.7e15 us) passes it at once. Whole seconds and the remainder are scaled apart.
/// </summary>
internal static class StopwatchTime
{
    public static long TicksToMicros(long ticks) =>
        ticks / Stopwatch.Frequency * 1_000_000 + ticks % Stopwatch.Frequency * 1_000_000 / Stopwatch.Frequency;

    public static long MicrosToTicks(long micros) =>
        micros / 1_000_000 * Stopwatch.Frequency + micros % 1_000_000 * Stopwatch.Frequency / 1_000_000;

    /// <summary>Now, on the wall clock, in microseconds since 1970 (what pcap timestamps count).</summary>
    public static long WallMicros() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    /// <summary>
    /// The wall clock minus the monotonic one, in microseconds: the wall read bracketed by two monotonic
    /// reads, the tightest of a few tries kept. A single pair of reads can straddle a preemption, and
    /// an offset off by a millisecond turns every lab RTT (tens of microseconds) into nothing.
    /// </summary>
    public static long WallMinusMonotonicMicros()
    {
        long best = 0, bestWidth = long.MaxValue;
        for (int i = 0; i < 16 && bestWidth > Stopwatch.Frequency / 100_000; i++)   // until within 10 us
        {
            long before = Stopwatch.GetTimestamp();
            long wall = WallMicros();
            long after = Stopwatch.GetTimestamp();
            if (after - before < bestWidth)
            {
                bestWidth = after - before;
                best = wall - TicksToMicros(before + (after - before) / 2);
            }
        }
        return best;
    }
}
