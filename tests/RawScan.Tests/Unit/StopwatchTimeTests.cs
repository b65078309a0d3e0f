using System.Diagnostics;
using Xunit;

namespace RawScan.Tests;

public class StopwatchTimeTests
{
    /// <summary>
    /// A pcap timestamp of now, turned into Stopwatch ticks the way the receive loop does, lands within a
    /// millisecond of the Stopwatch's now. Before, the conversion overflowed once the machine had been up
    /// 2.56 hours (1 GHz Stopwatch): every RTT came out as zero and the receive watermark as garbage.
    /// </summary>
    [Fact]
    public void WallMicrosOfNowConvertToTheStopwatchsNow()
    {
        long offset = StopwatchTime.WallMinusMonotonicMicros();
        long ticks = StopwatchTime.MicrosToTicks(StopwatchTime.WallMicros() - offset);
        long now = Stopwatch.GetTimestamp();
        Assert.InRange(now - ticks, -Stopwatch.Frequency / 1000, Stopwatch.Frequency / 1000);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(999_999L)]
    [InlineData(10_000_000_000L)]                 // 2.8 hours of uptime, in microseconds
    [InlineData(1_763_700_000_000_000L)]          // a wall-clock time in 2025, in microseconds
    [InlineData(8_640_000_000_000_000L)]          // 274 years
    public void ConversionsDoNotOverflowAndRoundTrip(long micros)
    {
        long ticks = StopwatchTime.MicrosToTicks(micros);
        Assert.True(ticks >= 0, $"{micros} us gave {ticks} ticks");
        Assert.Equal((double)micros * Stopwatch.Frequency / 1e6, ticks, (double)Stopwatch.Frequency / 1e6);
        Assert.Equal(micros, StopwatchTime.TicksToMicros(ticks));
    }
}
