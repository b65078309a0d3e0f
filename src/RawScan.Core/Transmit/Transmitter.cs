using System.Diagnostics;
using System.Runtime.CompilerServices;
using RawScan.Match;
using RawScan.Permutation;
using RawScan.Probes;
using RawScan.Receive;
using RawScan.Results;
using RawScan.Targets;

namespace RawScan.Transmit;

/// <summary>
/// The send loop: walks this shard's positions of the shuffled scan space, patches the template into
/// a batch and hands whole batches to the sink, paced by the rate limiter. Each batch first takes the
/// probes whose timeout has passed unanswered (resent; answered ones never are), then new probes while
/// the four-tuple table has room, so retransmissions interleave with new work and count in --rate.
/// Per probe: a permutation step, a cookie, ~20 patched bytes; no allocation; one clock read per batch.
/// </summary>
internal sealed class Transmitter(ScanSpace space, FeistelPermutation order, Shard shard, ProbeWriters probes,
    SourcePorts sourcePorts, IFrameSink sink, RateLimiter limiter, ScanCounters counters,
    ulong startPosition = ulong.MaxValue, Retransmission? retransmission = null, ReceiveClock? receiveClock = null,
    IReadOnlyList<ulong>? unsettled = null, CheckpointRelay? checkpoints = null, TimeSpan checkpointEvery = default,
    Sessions.ConnectionGate? connections = null, RateController? rate = null)
{
    private FrameBatch _batch = null!;
    private int[] _batchSlots = null!;
    private readonly IReadOnlyList<ulong> _unsettled = unsettled ?? [];
    private int _unsettledSent;         // how many of _unsettled have been sent

    /// <summary>
    /// The first position of the shuffled order not yet sent: every position of this shard before it
    /// has left. After a Ctrl-C this is where a resumed scan starts, so no probe is missed or repeated.
    /// </summary>
    public ulong NextPosition { get; private set; } = startPosition == ulong.MaxValue ? shard.First : startPosition;

    // The loop runs once per scan: compiled optimised at once rather than first as tier-0 code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(CancellationToken ct)
    {
        int longest = probes.MaxFrameLength(space.Ports.Udp.Count > 0 ? ScanTypes.Udp : ScanTypes.Tcp, UdpPorts());
        _batch = new FrameBatch(limiter.BatchSize, Math.Max(FrameBatch.DefaultStride, (longest + 63) & ~63));
        _batchSlots = new int[_batch.Capacity];
        var table = retransmission?.Table;
        var secondChance = retransmission?.SecondChance;
        int secondSent = 0;
        Func<int, long, bool> resend = Resend;
        ulong count = space.Count, step = (ulong)shard.Count, position = NextPosition;
        while (!ct.IsCancellationRequested)
        {
            _batch.Clear();
            // Timeouts are judged up to where the receiver has matched the capture, never past it.
            long now = Stopwatch.GetTimestamp();
            int limit = limiter.BatchLimit;
            retransmission?.Sweep(receiveClock is null ? now : Math.Min(now, receiveClock.Watermark), resend, counters);
            if (rate is not null)
            {
                rate.Tick(now, retransmission!.Rtt, sink is ICountsBackpressure b ? b.Backpressure : 0, Interlocked.Read(ref counters.ProbesSent));
                limit = limiter.BatchLimit;
                counters.CurrentRate = rate.Rate;
                counters.SmoothedRttMicros = retransmission.Rtt.SmoothedTicks * 1_000_000 / Stopwatch.Frequency;
            }
            int resent = _batch.Count;
            // A resumed scan's probes that were in flight when it stopped go first.
            // New probes wait while the four-tuple table, or --banners' connections, are too full to take what they bring.
            for (; _unsettledSent < _unsettled.Count && _batch.Count < limit && (table is null || table.HasRoom) && (connections is null || connections.HasRoom); _unsettledSent++)
                Write(_unsettled[_unsettledSent], table);
            for (; position < count && _batch.Count < limit && (table is null || table.HasRoom) && (connections is null || connections.HasRoom); position += step)
                Write(position, table);
            // --rate auto: once every probe has had its tries, those silent through a period of loss get one more, at the settled rate.
            if (secondChance is not null && position >= count && _unsettledSent == _unsettled.Count && (!retransmission!.RetriesPending || !retransmission.SecondChanceOpen))
            {
                if (retransmission.SecondChanceOpen && secondChance.Count > 0) rate?.EnterSecondChance();
                retransmission.SecondChanceOpen = false;       // from here on, the second chances go out at their rate, and a silent probe is filtered
                limit = limiter.BatchLimit;
                // One try each, judged at the end of the ladder (as the last try would be): no resend follows.
                for (; secondSent < secondChance.Count && _batch.Count < limit && table!.HasRoom; secondSent++)
                    Write(secondChance[secondSent], table, retransmission.MaxTries);
            }
            if (_batch.Count == 0)
            {
                // Nothing new, and nothing to resend: none left with tries, or every probe answered (so
                // the last ones' timeouts need not pass here; their slots are freed after the scan).
                if (position >= count && _unsettledSent == _unsettled.Count && (secondChance is null || secondSent == secondChance.Count)
                    && (retransmission is not { RetriesPending: true } || counters.AllAnswered)) break;
                MaybeCheckpoint(now, ct);
                Thread.Sleep(1);                  // waiting for a timeout to pass or for room in the table
                continue;
            }
            limiter.Acquire(_batch.Count, ct);
            if (table is not null)
            {
                // Stamped before the frames leave, so a reply, however fast, finds its send time.
                now = Stopwatch.GetTimestamp();
                for (int k = resent; k < _batch.Count; k++)
                {
                    table.SetSent(_batchSlots[k], now);
                    retransmission!.Track(_batchSlots[k], table.KeyAt(_batchSlots[k]), table.TriesAt(_batchSlots[k]));
                }
                for (int k = 0; k < resent; k++) table.SetSent(_batchSlots[k], now);
            }
            int sent;
            try { sent = sink.Send(_batch); }
            catch when (table is not null)
            {
                // The interface refused the batch (it vanished): its probes are in the table, in flight and
                // unsettled, so they count as sent and a resume probes them again unless the journal has
                // their results (some frames may have left). A dry run's batch is simply written again.
                NextPosition = position;
                throw;
            }
            Interlocked.Add(ref counters.ProbesSent, sent);
            counters.Retransmits += resent;
            NextPosition = position;
            MaybeCheckpoint(now, ct);
        }
    }

    private long _lastCheckpoint = Stopwatch.GetTimestamp();

    /// <summary>Asks for a checkpoint when the last is <c>checkpointEvery</c> old (one comparison per batch).</summary>
    private void MaybeCheckpoint(long now, CancellationToken ct)
    {
        if (checkpoints is null || now - _lastCheckpoint < _checkpointTicks) return;
        _lastCheckpoint = now;
        checkpoints.Request(NextPosition, LowPosition(), ct);
    }

    private readonly long _checkpointTicks = (long)(checkpointEvery.TotalSeconds * Stopwatch.Frequency);

    /// <summary>
    /// Every position before this is settled (answered, given up, or, in a dry run, sent): the lowest
    /// probe still in flight, the first of a resumed scan's unsettled ones not yet sent, or <see cref="NextPosition"/>.
    /// Send thread, or after it has ended.
    /// </summary>
    public ulong LowPosition() => LowPosition(out _);

    /// <param name="unsettled">How many probes before <see cref="NextPosition"/> are not settled (in flight, or a resumed scan's not yet sent again).</param>
    public ulong LowPosition(out long unsettled)
    {
        ulong low = NextPosition;
        unsettled = _unsettled.Count - _unsettledSent;
        if (unsettled > 0) low = Math.Min(low, _unsettled[_unsettledSent]);
        // Probes kept for a second chance are not settled until it comes (a resume sends them again).
        if (retransmission?.SecondChance is { Count: > 0 } later)
            foreach (var p in later) if (p < low) low = p;
        if (retransmission is null) return low;
        low = retransmission.OldestUnsettled(low, out int inFlight);
        unsettled += inFlight;
        return low;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Write(ulong position, FourTupleTable? table, int tries = 1)
    {
        ulong i = order[position];
        space.Decode(i, out UInt128 address, out ushort dport, out Protocol protocol);
        ushort sport = SourcePort(position);
        _batch.Commit(probes.Write(_batch.Next(), address, sport, dport, protocol));
        if (table is not null) _batchSlots[_batch.Count - 1] = table.Insert(FourTupleTable.KeyOf(i), position, 0, tries);
        if (connections is not null && protocol == Protocol.Tcp) connections.Sent++;
    }

    /// <summary>Puts a due, unanswered probe back in the batch; false when the batch is full.</summary>
    private bool Resend(int slot, long key)
    {
        if (_batch.Count >= limiter.BatchLimit) return false;
        var table = retransmission!.Table;
        if (!table.MarkRetransmitted(slot))                       // answered since the sweep looked: settled
        {
            table.Remove(slot);
            return true;
        }
        space.Decode(FourTupleTable.IndexOf(key), out UInt128 address, out ushort dport, out Protocol protocol);
        _batch.Commit(probes.Write(_batch.Next(), address, SourcePort(table.PositionAt(slot)), dport, protocol));
        _batchSlots[_batch.Count - 1] = slot;
        retransmission.Track(slot, key, table.TriesAt(slot));
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ushort SourcePort(ulong position) => sourcePorts.For(position);

    private IEnumerable<ushort> UdpPorts()
    {
        foreach (var (first, last) in space.Ports.Udp.Ranges)
            for (int p = first; p <= last; p++) yield return (ushort)p;
    }
}
