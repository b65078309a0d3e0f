using RawScan.Targets;
using RawScan.Interop;
using RawScan.Match;
using RawScan.Results;

namespace RawScan.Transmit;

/// <summary>
/// The send thread's view of probes in flight: the four-tuple table, plus a FIFO of its slots in send
/// order. A batch takes the due ones from the head, resends the unanswered (never the answered), gives
/// up on those out of tries (filtered, handed to the receive thread) and frees what is settled.
/// Each resend doubles the wait (RFC 6298 5.5, as nmap and TCP do): a target or a path that stalls for
/// a moment, and so answers late, is asked again later rather than given up. A resent probe at the
/// head can hold back a first try behind it that is due sooner: by one timeout at most, which only
/// ever waits longer, never gives up sooner.
/// </summary>
internal sealed class Retransmission
{
    private readonly (int Slot, long Key)[] _fifo;
    private readonly int _mask;
    private long _head, _tail;          // send thread only
    private long _retryable;            // FIFO entries that may still need a resend

    private readonly ScanSpace _space;

    /// <param name="space">What the table's keys index: a probe given up is reported by its address, port and protocol.</param>
    public Retransmission(FourTupleTable table, RttEstimator rtt, int retries, ResultQueue filtered, ScanSpace space)
    {
        _space = space;
        Table = table;
        Rtt = rtt;
        MaxTries = retries + 1;
        Filtered = filtered;
        _fifo = Prefaulted.Array<(int, long)>(table.Capacity);
        _mask = table.Capacity - 1;
    }

    public FourTupleTable Table { get; }
    public RttEstimator Rtt { get; }
    public int MaxTries { get; }
    public ResultQueue Filtered { get; }

    /// <summary>Probes that may still be resent: while any remain, the send loop is not done.</summary>
    public bool RetriesPending => _retryable > 0;

    /// <summary>--rate auto: sees every first try's outcome (answered or not) once its timeout has passed.</summary>
    public RateController? Rate { get; set; }

    /// <summary>
    /// --rate auto: while the path was losing probes, those out of tries are not called filtered but kept
    /// here (their positions) for one more try once the rate has settled; null when not asked for.
    /// </summary>
    public List<ulong>? SecondChance { get; set; }

    /// <summary>Whether a probe given up now goes to <see cref="SecondChance"/> (the main pass is running and loss was measured).</summary>
    public bool SecondChanceOpen { get; set; } = true;

    public bool IsEmpty => _head == _tail;

    /// <summary>Puts a slot at the back of the FIFO (just sent, first try or again).</summary>
    public void Track(int slot, long key, int tries)
    {
        _fifo[_tail++ & _mask] = (slot, key);
        if (tries < MaxTries) _retryable++;
    }

    /// <summary>
    /// Handles the head of the FIFO while it is due (sent at least one timeout ago): resolved probes are
    /// freed, unanswered ones with tries left are handed to <paramref name="resend"/> (false when the
    /// batch is full: stop), the rest are given up as filtered.
    /// </summary>
    public void Sweep(long now, Func<int, long, bool> resend, ScanCounters counters)
    {
        long timeout = Rtt.TimeoutTicks;
        long end = _tail;                                            // not what this sweep itself puts back
        while (_head != end)
        {
            var (slot, key) = _fifo[_head & _mask];
            int tries = Table.TriesAt(slot);
            long sent = Table.SentTicksAt(slot);
            if (sent + Backoff(timeout, tries) > now) return;       // the head is not due: nothing after it is checked
            bool settled = Table.IsSettled(slot);
            if (tries == 1) Rate?.OnFirstTry(sent, settled);
            if (settled)
            {
                Pop(tries);
                Table.Remove(slot);
                continue;
            }
            if (tries < MaxTries)
            {
                if (!resend(slot, key)) return;                      // batch full: the rest waits for the next one
                Pop(tries);
                continue;
            }
            if (!GiveUp(slot, key, counters)) return;                // queue to the receiver full: try again later
            Pop(tries);
        }
    }

    /// <summary>The wait after try <paramref name="tries"/>: the timeout, doubled for each resend before it (at most 64 times).</summary>
    public static long Backoff(long timeout, int tries) => timeout << Math.Clamp(tries - 1, 0, 6);

    private void Pop(int tries)
    {
        _head++;
        if (tries < MaxTries) _retryable--;
    }

    private bool GiveUp(int slot, long key, ScanCounters counters)
    {
        if (SecondChance is { } later && SecondChanceOpen && Rate is { Congested: > 0 } && Table.TryGiveUp(slot))
        {
            // Silent through a period of loss: perhaps lost, not filtered. Tried once more at the settled rate.
            later.Add(Table.PositionAt(slot));
            Table.Remove(slot);
            counters.SecondChances++;
            return true;
        }
        if (!Filtered.HasRoom) return false;                    // only this thread enqueues: room now is room below
        if (Table.TryGiveUp(slot))                              // false: a reply settled it first
        {
            var r = Silent(_space, key);
            Filtered.TryEnqueue(r);
            CountSilent(r, counters);
        }
        Table.Remove(slot);
        return true;
    }

    /// <summary>No answer after every try: filtered for TCP, open|filtered for UDP (nmap's meanings).</summary>
    private static PortResult Silent(ScanSpace space, long key)
    {
        space.Decode(FourTupleTable.IndexOf(key), out UInt128 address, out ushort port, out Protocol p);
        return new PortResult(address, p, port, p == Protocol.Udp ? PortState.OpenFiltered : PortState.Filtered, 0, 0, PortReason.NoResponse);
    }

    private static void CountSilent(in PortResult r, ScanCounters counters)
    {
        if (r.State == PortState.OpenFiltered) counters.OpenFiltered++; else counters.Filtered++;
    }

    /// <summary>
    /// The lowest position still in flight (sent, neither answered nor given up), or <paramref name="atMost"/>
    /// when none is lower: where a checkpoint's settled prefix ends. A walk over the FIFO (the probes in
    /// flight, a few hundred thousand at most), once a checkpoint, never per packet.
    /// </summary>
    public ulong OldestUnsettled(ulong atMost) => OldestUnsettled(atMost, out _);

    /// <param name="count">How many probes are in flight.</param>
    public ulong OldestUnsettled(ulong atMost, out int count)
    {
        ulong low = atMost;
        count = 0;
        for (long i = _head; i != _tail; i++)
        {
            var (slot, key) = _fifo[i & _mask];
            if (Table.KeyAt(slot) != key || Table.IsSettled(slot)) continue;
            low = Math.Min(low, Table.PositionAt(slot));
            count++;
        }
        return low;
    }

    /// <summary>
    /// After the scan (its threads joined): everything still in flight is settled. Unanswered probes
    /// are filtered; they go straight to <paramref name="sink"/>, the receive thread being gone. A scan
    /// that did not complete (<paramref name="giveUp"/> false) leaves them unsettled instead: they
    /// were not given their tries, so a resume probes them again (<see cref="OldestUnsettled"/>, which
    /// is read after this) and none is called filtered for want of time.
    /// </summary>
    public void Finish(IResultSink sink, ScanCounters counters, bool giveUp = true)
    {
        Filtered.Drain(sink);
        if (!giveUp) return;
        for (; _head != _tail; _head++)
        {
            var (slot, key) = _fifo[_head & _mask];
            if (Table.KeyAt(slot) != key) continue;
            if (Table.TryGiveUp(slot))
            {
                var r = Silent(_space, key);
                sink.OnResult(r);
                CountSilent(r, counters);
            }
            Table.Remove(slot);
        }
        _retryable = 0;
    }
}
