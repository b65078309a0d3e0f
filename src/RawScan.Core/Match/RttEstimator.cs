using System.Diagnostics;

namespace RawScan.Match;

/// <summary>
/// The retransmission timeout from measured round trips, as TCP computes it (RFC 6298: SRTT, RTTVAR,
/// RTO = SRTT + 4 RTTVAR), with a floor, and Karn's rule: only first tries are sampled, since a
/// reply to a resent probe cannot say which send it answers. The receive thread is the one writer;
/// the send thread reads the timeout with a plain atomic read.
/// </summary>
internal sealed class RttEstimator(TimeSpan floor, TimeSpan initial)
{
    private readonly long _floor = (long)(floor.TotalSeconds * Stopwatch.Frequency);
    private double _srtt, _rttvar;
    private bool _sampled;
    private long _timeout = (long)(initial.TotalSeconds * Stopwatch.Frequency);

    /// <summary>Current timeout, in Stopwatch ticks.</summary>
    public long TimeoutTicks => Volatile.Read(ref _timeout);

    public TimeSpan Timeout => TimeSpan.FromSeconds((double)TimeoutTicks / Stopwatch.Frequency);

    /// <summary>Smoothed RTT so far (zero before the first sample).</summary>
    public TimeSpan Smoothed => TimeSpan.FromSeconds(_srtt / Stopwatch.Frequency);

    /// <summary>The smoothed RTT in Stopwatch ticks, for another thread (--rate auto's controller): 0 before a sample.</summary>
    public long SmoothedTicks => Volatile.Read(ref _srttTicks);

    /// <summary>The smallest RTT sampled: the path's own delay without a queue. 0 before a sample.</summary>
    public long MinTicks => Volatile.Read(ref _minTicks);

    private long _srttTicks, _minTicks;

    public long Samples { get; private set; }

    public void Sample(long rttTicks)
    {
        if (rttTicks < 0) rttTicks = 0;
        if (!_sampled) { _srtt = rttTicks; _rttvar = rttTicks / 2.0; _sampled = true; }
        else
        {
            _rttvar = 0.75 * _rttvar + 0.25 * Math.Abs(_srtt - rttTicks);
            _srtt = 0.875 * _srtt + 0.125 * rttTicks;
        }
        Samples++;
        Volatile.Write(ref _srttTicks, (long)_srtt);
        if (_minTicks == 0 || rttTicks < _minTicks) Volatile.Write(ref _minTicks, Math.Max(1, rttTicks));
        Volatile.Write(ref _timeout, Math.Max(_floor, (long)(_srtt + 4 * _rttvar)));
    }
}
