using System.Diagnostics;
using RawScan.Match;
using RawScan.Receive;
using RawScan.Transmit;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// --rate auto's controller, played against a path made of arithmetic: rounds of first tries whose share
/// answered is what a policer (or empty space) would give. Time is the controller's own rounds (50 ms).
/// </summary>
public class RateControllerTests
{
    private static readonly long Round = Stopwatch.Frequency / 20;

    /// <summary>Runs <paramref name="rounds"/> rounds through a path that answers <paramref name="answers"/>(rate) of each round's probes; returns the rates used.</summary>
    /// <param name="receiveLag">Rounds the receive loop's watermark lags behind the clock (a busy receive thread).</param>
    /// <param name="jitter">RTT samples alternate between the minimum and this many times it (no queue, a busy machine).</param>
    private static List<double> Drive(Func<double, double> answers, int rounds, double max = double.PositiveInfinity, long backpressureFrom = long.MaxValue,
        double queue = double.PositiveInfinity, int receiveLag = 0, int jitter = 1)
    {
        long t0 = Stopwatch.GetTimestamp(), sent = 0;
        var clock = new ReceiveClock(t0);
        var limiter = new RateLimiter(RateController.StartRate, 64);
        var c = new RateController(limiter, max, clock);
        var rtt = new RttEstimator(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1));
        rtt.Sample(Stopwatch.Frequency / 10_000);
        double backlog = 0;                                        // a queue's packets waiting at its rate
        var rates = new List<double>();
        var pending = new Queue<(long Sent, long Answered, long Silent)>();
        for (int k = 0; k < rounds; k++)
        {
            long start = t0 + k * Round + Round / 2;
            double rate = c.Rate;
            rates.Add(rate);
            c.Tick(t0 + k * Round + 1, rtt, k >= backpressureFrom ? k : 0, sent);   // the round opens: the last one's packets are counted
            long n = (long)Math.Min(rate, 200_000) / 20;          // the "interface" sends at most 200k/s
            sent += n;
            long answered = (long)Math.Round(n * answers(Math.Min(rate, 200_000)));
            pending.Enqueue((start, answered, n - answered));
            // A queue passes at most its rate a round; the rest waits, and the RTT grows with what waits.
            backlog += n;
            double passed = Math.Min(backlog, queue / 20);
            backlog -= passed;
            // The replies that came back this round, captured in it (a policer's drops never come back).
            long arrived = double.IsPositiveInfinity(queue) ? answered : (long)(passed * answers(1));
            for (long i = 0; i < arrived; i++) clock.CountReply(start);
            if (!double.IsPositiveInfinity(queue)) rtt.Sample(Stopwatch.Frequency / 10_000 + (long)(backlog / queue * Stopwatch.Frequency));
            else if (jitter > 1) rtt.Sample(Stopwatch.Frequency / 10_000 * (k % 2 == 0 ? 1 : jitter));
            // Outcomes are seen two rounds later (the timeout), as the retransmission sweep would.
            if (pending.Count > 2)
            {
                var (s, a, q) = pending.Dequeue();
                for (int i = 0; i < a; i++) c.OnFirstTry(s, true);
                for (int i = 0; i < q; i++) c.OnFirstTry(s, false);
            }
            clock.Advance(start + Round / 4 - receiveLag * Round);
            c.Tick(start + Round / 4, rtt, k >= backpressureFrom ? k : 0, sent);
        }
        return rates;
    }

    [Fact]
    public void WithNoBottleneckItClimbsToWhatTheInterfaceSends()
    {
        var rates = Drive(_ => 0.98, 40);
        Assert.True(rates[^1] >= 200_000, $"ended at {rates[^1]:F0} pps");
    }

    [Fact]
    public void AReceiveThreadThatLagsDoesNotSlowACleanPath()
    {
        // The RTT jitters well above twice its minimum and the receive loop matches 200 ms late: every
        // reply still arrived in the round its probe left in, so nothing is draining and the rate climbs.
        var rates = Drive(_ => 0.98, 40, receiveLag: 4, jitter: 4);
        Assert.True(rates[^1] >= 200_000, $"ended at {rates[^1]:F0} pps");
    }

    [Fact]
    public void SilenceIsNotLossASweepOfEmptySpaceIsNotSlowed()
    {
        var rates = Drive(_ => 0.002, 40);                        // 0.2% of addresses answer, at any rate
        Assert.True(rates[^1] >= 200_000, $"ended at {rates[^1]:F0} pps");
    }

    [Fact]
    public void BehindAPolicerItSettlesNearWhatThePolicerPasses()
    {
        const double policer = 50_000;
        var rates = Drive(r => 0.98 * Math.Min(1, policer / r), 80);
        var late = rates.Skip(40).ToList();
        Assert.True(late.Average() is > 0.7 * policer and < 1.2 * policer, $"settled around {late.Average():F0} pps: {string.Join(' ', late.Select(r => r.ToString("F0")))}");
        Assert.True(late.Max() < 1.5 * policer);
    }

    [Fact]
    public void BehindAQueueItSlowsToWhatTheQueuePassesWhenTheRttRises()
    {
        const double queue = 20_000;
        var rates = Drive(_ => 0.98, 240, queue: queue);            // 12 s: start-up fills the queue, and it drains
        var late = rates.Skip(190).ToList();
        Assert.True(late.Average() is > 0.6 * queue and < 1.3 * queue, $"settled around {late.Average():F0} pps: {string.Join(' ', late.Select(r => r.ToString("F0")))}");
    }

    [Fact]
    public void ItNeverGoesAboveTheCeiling()
    {
        var rates = Drive(_ => 0.98, 40, max: 30_000);
        Assert.All(rates, r => Assert.True(r <= 30_000));
        Assert.Equal(30_000, rates[^1]);
    }

    [Fact]
    public void AFullLocalSendQueueHoldsTheRateAtWhatWentOut()
    {
        var rates = Drive(_ => 0.98, 40, backpressureFrom: 10);
        Assert.True(rates[^1] <= 250_000, $"ended at {rates[^1]:F0} pps with the local queue full");
    }
}

/// <summary>The limiter's rate can change mid-scan without a burst or a pause.</summary>
public class RateLimiterRateChangeTests
{
    [Fact]
    public void ANewRateTakesOverFromTheNextBatch()
    {
        var l = new RateLimiter(1000, 64);
        Assert.Equal(1, l.BatchLimit);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 50; i++) l.Acquire(1, default);        // 50 ms at 1,000/s
        l.SetRate(100_000);
        Assert.Equal(50, l.BatchLimit);
        var fast = Stopwatch.StartNew();
        for (int i = 0; i < 20; i++) l.Acquire(50, default);       // 1,000 packets at 100k/s: 10 ms
        // 10 ms at the new rate, 1 s had the old one stayed: the bound leaves room for a loaded machine.
        Assert.True(fast.Elapsed < TimeSpan.FromMilliseconds(600), $"took {fast.Elapsed.TotalMilliseconds:F0} ms after the change");
        Assert.True(clock.Elapsed > TimeSpan.FromMilliseconds(40));
    }
}
