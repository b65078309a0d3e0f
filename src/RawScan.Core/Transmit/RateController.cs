using System.Diagnostics;
using RawScan.Match;
using RawScan.Receive;

namespace RawScan.Transmit;

/// <summary>
/// --rate auto, on the send thread: the rate follows what the path delivers.
/// </summary>
/// <remarks>
/// <para>The signal a stateless scanner has is the share of first tries answered. The send loop's
/// retransmission sweep sees every probe once its timeout has passed, answered or not; each outcome is
/// counted in the round (50 ms of sending) the probe left in, beside the rate of that round. A round is
/// judged once the sweep is past its end. Silence is not loss: a sweep of empty space answers little,
/// and it answers as little at any rate. What marks congestion is a round answered significantly less
/// than the best round so far (more than three binomial standard deviations below its share): the path
/// dropped what the rate added.</para>
/// <para>Start-up (as BBR's): the rate doubles every round from <see cref="StartRate"/>, without waiting
/// for judgements, until a round is found congested. The rate then drops to what that round delivered
/// (its rate times its share over the best share), less 10% (at most an eighth in one step): the overshoot's own probes are resent by
/// the retransmissions at that rate. After that the rate grows 10% for each clean round sent at the
/// current rate and drops to the delivered rate, less 10%, for each congested one sent after the last
/// drop (a drop is judged only by probes that left after it). A smoothed RTT above twice the minimum
/// means a queue may be building at the bottleneck: when a round's replies, counted by their capture
/// time (<see cref="ReceiveClock"/>), fall well short of what that round sent, the rate drops to what
/// arrived; more than a millisecond above the minimum costs 15% anyway, at most once every two rounds.
/// ENOBUFS from the local send queue counts as congestion too.</para>
/// </remarks>
internal sealed class RateController
{
    public const double StartRate = 20_000, MinRate = 100;

    /// <summary>After start-up, each clean round sent at the current rate grows it this much.</summary>
    public const double Growth = 1.10;
    private const int Ring = 256;
    private static readonly long RoundTicks = ReceiveClock.RoundTicks;

    private struct Round
    {
        public long Index;       // which round this slot holds (-1: none)
        public double Rate;
        public long Answered, Silent;
        public long Packets;     // every probe sent in the round (first tries and resends): what the path was offered
    }

    private readonly RateLimiter _limiter;
    private readonly double _max;
    private readonly ReceiveClock _clock;   // its rounds are ours: a round here is the same 50 ms as its arrivals' round
    private readonly Round[] _rounds = new Round[Ring];
    private long _current;                  // the round being sent
    private long _judged = -1;              // rounds up to this one are judged
    private long _sweptTicks;               // the latest send time the sweep has judged
    private double _bestShare = -1;
    private bool _startup = true;
    private long _lastDropTicks = long.MinValue / 2, _lastQueueDropTicks = long.MinValue / 2;
    private long _backpressureSeen;
    private long _sentAtRound;               // ProbesSent when the current round opened
    private double _achieved;                // packets/s the last whole round actually sent
    private long _arrivalsJudged = -1;       // the last round whose arrivals were compared with its sends

    public RateController(RateLimiter limiter, double maxRate, ReceiveClock clock)
    {
        _limiter = limiter;
        _clock = clock;
        _max = double.IsPositiveInfinity(maxRate) ? double.PositiveInfinity : Math.Max(maxRate, MinRate);
        for (int i = 0; i < Ring; i++) _rounds[i].Index = -1;
        Rate = Math.Min(StartRate, _max);
        _limiter.SetRate(Rate);
        Open(0);
    }

    /// <summary>The rate now.</summary>
    public double Rate { get; private set; }

    /// <summary>Rounds judged congested so far.</summary>
    public int Congested { get; private set; }

    private void Open(long index)
    {
        ref var r = ref _rounds[index % Ring];
        r.Index = index;
        r.Rate = Rate;
        r.Answered = r.Silent = r.Packets = 0;
    }

    private long RoundOf(long ticks) => _clock.RoundOf(ticks);

    /// <summary>A count in one round, per second.</summary>
    private static double PerSecond(long perRound) => perRound * (double)Stopwatch.Frequency / RoundTicks;

    /// <summary>A first try whose timeout has passed: answered, or not (resent, or given up).</summary>
    public void OnFirstTry(long sentTicks, bool answered)
    {
        long index = RoundOf(sentTicks);
        ref var r = ref _rounds[index % Ring];
        if (r.Index != index) return;                      // older than the ring: not judged
        if (answered) r.Answered++; else r.Silent++;
        if (sentTicks > _sweptTicks) _sweptTicks = sentTicks;
    }

    /// <summary>Once per batch, with the batch's clock read: opens rounds, judges those the sweep is past, sets the rate.</summary>
    public void Tick(long now, RttEstimator rtt, long backpressure, long probesSent)
    {
        long index = RoundOf(now);
        if (index != _current)
        {
            long packets = probesSent - _sentAtRound;
            _rounds[_current % Ring].Packets = packets;
            _achieved = PerSecond(packets) / Math.Max(1, index - _current);
            _sentAtRound = probesSent;
            for (long i = _current + 1; i <= index; i++) Open(i);
            _current = index;
            // Start-up: double each round until a judgement says stop, but not past what the last round
            // could actually send (a rate the interface cannot reach only fills the local queue).
            if (_startup && Rate < _max && _achieved >= Rate * 0.8) SetRate(Rate * 2);
        }
        // Judge every round whose last probe the sweep has seen timed out.
        long swept = RoundOf(_sweptTicks) - 1;
        for (long k = _judged + 1; k <= swept && k < _current; k++)
        {
            _judged = k;
            ref var r = ref _rounds[k % Ring];
            if (r.Index != k) continue;
            Judge(ref r, k, now);
        }
        // A queue building at the bottleneck: the smoothed RTT above twice its minimum. When a round's
        // replies (by capture time) also fall short of what the same round sent (BBR's view: the arrival
        // rate is what the bottleneck delivers), the rate drops to that delivery, less 5%, so the queue
        // drains; a clean path's replies keep pace with its probes, so RTT jitter alone never slows it,
        // nor does a receive thread that matches them late. A queue a millisecond long costs 15% anyway.
        long min = rtt.MinTicks, srtt = rtt.SmoothedTicks;
        double sentRate = 0, delivering = 0;
        long whole = Math.Min(_clock.LastWholeRound, _current - 1);
        if (whole > _arrivalsJudged)
        {
            _arrivalsJudged = whole;
            ref var w = ref _rounds[whole % Ring];
            if (w.Index == whole && _bestShare > 0)
            {
                sentRate = PerSecond(w.Packets);
                delivering = PerSecond(_clock.RepliesIn(whole)) / _bestShare;
            }
        }
        if (min > 0 && srtt > 2 * min && now - _lastQueueDropTicks > 2 * RoundTicks)
        {
            if (delivering > MinRate && sentRate > delivering * 1.25)
            {
                _lastQueueDropTicks = now;
                Drop(Math.Max(delivering * 0.95, Rate * 0.125), now);
            }
            else if (srtt - min > Stopwatch.Frequency / 1000)
            {
                _lastQueueDropTicks = now;
                Drop(Rate * 0.85, now);
            }
        }
        // The local send queue was full (ENOBUFS): the rate is past what this host can put on the wire.
        // Hold it at what the last round sent, which is what the interface took.
        if (backpressure > _backpressureSeen)
        {
            _backpressureSeen = backpressure;
            if (_achieved > 0 && _achieved < Rate) { _startup = false; SetRate(Math.Max(MinRate, _achieved)); }
        }
    }

    private void Judge(ref Round r, long k, long now)
    {
        long n = r.Answered + r.Silent;
        if (n < 50) return;                                 // too few to say anything
        double share = (double)r.Answered / n;
        if (_bestShare < 0) { if (n >= 200) _bestShare = share; return; }
        double expected = n * _bestShare, sd = Math.Sqrt(n * _bestShare * (1 - _bestShare));
        // Significantly below the best (three binomial SDs) and by more than 5% of it: a best round that
        // happened to be answered whole (share 1.0, SD 0) made three silent probes in 2,000 (the lab's
        // truly filtered ports) look like congestion, round after round.
        bool congested = r.Answered < expected - 3 * sd - 2 && share < _bestShare * 0.95;
        if (!congested)
        {
            if (share > _bestShare && n >= 200) _bestShare = share;
            // Grow only on the evidence of the current rate: a clean round sent at it.
            if (!_startup && r.Rate >= Rate * 0.999 && Rate < _max) SetRate(Math.Min(_max, Rate * Growth));
            return;
        }
        Congested++;
        long roundStart = _clock.Epoch + k * RoundTicks;
        if (roundStart < _lastDropTicks) return;            // sent before the last drop: that drop answered it already
        // What the path delivered: the packets the round offered (resends too), in the share that got through.
        double offered = r.Packets > 0 ? PerSecond(r.Packets) : r.Rate;
        double delivered = offered * share / _bestShare;
        // To what the round delivered, less 10% (start-up's blind doubling overshoots far: halving steps
        // left a 50k policer run at 320k, then 230k, for a second), but never below an eighth in one step.
        Drop(Math.Max(delivered * 0.9, Rate * 0.125), now);
    }

    private void Drop(double rate, long now)
    {
        _startup = false;
        _lastDropTicks = now;
        SetRate(Math.Max(MinRate, Math.Min(rate, Rate)));
    }

    /// <summary>
    /// The second chances (probes silent through a period of loss) go at half the settled rate: they are
    /// few, and a rate still a little above the bottleneck would lose them again.
    /// </summary>
    public void EnterSecondChance()
    {
        if (_secondChance) return;
        _secondChance = true;
        _startup = false;
        SetRate(Math.Max(MinRate, Rate * 0.5));
        _frozen = true;
    }

    private bool _secondChance, _frozen;

    private void SetRate(double rate)
    {
        if (_frozen) return;                                // the second chances' rate holds to the end
        Rate = Math.Clamp(rate, MinRate, _max);
        _limiter.SetRate(Rate);
        _rounds[_current % Ring].Rate = Math.Min(_rounds[_current % Ring].Rate, Rate);
    }
}
