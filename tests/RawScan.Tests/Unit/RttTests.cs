using System.Diagnostics;
using RawScan.Match;
using Xunit;

namespace RawScan.Tests;

public class RttTests
{
    private static long Ms(double ms) => (long)(ms * Stopwatch.Frequency / 1000);

    [Fact]
    public void StartsAtTheInitialTimeoutAndFollowsSamplesAboveTheFloor()
    {
        var e = new RttEstimator(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1));
        Assert.Equal(1000, e.Timeout.TotalMilliseconds, 1);
        e.Sample(Ms(0.05));                                      // a lab RTT: far below the floor
        Assert.Equal(100, e.Timeout.TotalMilliseconds, 1);
        for (int i = 0; i < 50; i++) e.Sample(Ms(200));          // a slow path: RTO = SRTT + 4 RTTVAR
        Assert.InRange(e.Timeout.TotalMilliseconds, 200, 260);
        Assert.InRange(e.Smoothed.TotalMilliseconds, 195, 200);
        e.Sample(Ms(2000));                                      // one outlier widens the variance
        Assert.True(e.Timeout.TotalMilliseconds > 1000);
    }
}
