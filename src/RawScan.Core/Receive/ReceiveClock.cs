using System.Diagnostics;

namespace RawScan.Receive;

/// <summary>
/// How far the receive loop has got, in Stopwatch ticks: every reply captured before this moment has
/// been matched. The sender judges a probe unanswered only up to here, not up to "now": a receive
/// thread that falls behind (a busy CPU) would otherwise see replies it had captured in time treated
/// as timeouts, resent, given up and finally counted late. One writer (the receive loop), read by the
/// sender with an atomic read.
/// </summary>
/// <remarks>
/// It also counts the replies matched in each round (<see cref="RoundTicks"/>) of their capture time,
/// the kernel's: what the path delivered when, however late the loop got to them. --rate auto compares a
/// round's arrivals with what was sent in the same round once the watermark has passed the round's end;
/// counted as the loop matched them instead, a loop that lagged at full speed looked like a path that
/// delivered less than it was given, and slowed a clean scan.
/// </remarks>
internal sealed class ReceiveClock(long epochTicks)
{
    /// <summary>The rounds --rate auto's controller works in (50 ms).</summary>
    public static readonly long RoundTicks = Stopwatch.Frequency / 20;

    /// <summary>Rounds whose counts are kept (3.2 s): the controller reads the newest whole one.</summary>
    private const int Kept = 64;

    private long _watermark = epochTicks;
    private readonly long[] _round = new long[Kept], _replies = new long[Kept];

    public ReceiveClock() : this(Stopwatch.GetTimestamp()) { }

    /// <summary>Round 0 starts here.</summary>
    public long Epoch { get; } = epochTicks;

    public long Watermark => Volatile.Read(ref _watermark);

    /// <summary>The receive loop has matched everything captured up to <paramref name="ticks"/>.</summary>
    public void Advance(long ticks)
    {
        if (ticks > _watermark) Volatile.Write(ref _watermark, ticks);
    }

    public long RoundOf(long ticks) => Math.Max(0, (ticks - Epoch) / RoundTicks);

    /// <summary>A reply of ours was matched; <paramref name="captureTicks"/> is when the kernel captured it. The receive loop only.</summary>
    public void CountReply(long captureTicks)
    {
        long r = RoundOf(captureTicks);
        int s = (int)(r % Kept);
        if (_round[s] != r)
        {
            if (r < _round[s]) return;                     // older than what the slot holds: its round is long judged
            Volatile.Write(ref _replies[s], 0);
            Volatile.Write(ref _round[s], r);
        }
        Volatile.Write(ref _replies[s], _replies[s] + 1);
    }

    /// <summary>The newest round the loop has wholly matched (its end is behind the watermark); -1 before the first.</summary>
    public long LastWholeRound => RoundOf(Watermark) - 1 is var r && Watermark - Epoch >= RoundTicks ? r : -1;

    /// <summary>Replies captured in <paramref name="round"/> (a round the loop has wholly matched, within the last 64).</summary>
    public long RepliesIn(long round)
    {
        int s = (int)(round % Kept);
        long n = Volatile.Read(ref _replies[s]);
        return Volatile.Read(ref _round[s]) == round ? n : 0;   // a slot still holding an older round: none arrived in this one
    }
}
