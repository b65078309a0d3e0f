using RawScan.Permutation;
using RawScan.Probes;
using RawScan.Targets;

namespace RawScan.Transmit;

/// <summary>
/// The send loop: walks this shard's positions of the shuffled scan space, patches the template into
/// a batch and hands whole batches to the sink, paced by the rate limiter. Per probe it permutes an
/// index, computes a cookie and patches ~20 bytes; it allocates nothing and reads the clock once per batch.
/// </summary>
public sealed class Transmitter(ScanSpace space, FeistelPermutation order, Shard shard, TcpSynTemplate template, SynCookie cookie,
    ushort firstSourcePort, ushort lastSourcePort, IFrameSink sink, RateLimiter limiter, ScanCounters counters,
    ulong startPosition = ulong.MaxValue)
{
    /// <summary>
    /// The first position of the shuffled order not yet sent: every position of this shard before it
    /// has left. After a Ctrl-C this is where a resumed scan starts, so no probe is missed or repeated.
    /// </summary>
    public ulong NextPosition { get; private set; } = startPosition == ulong.MaxValue ? shard.First : startPosition;

    // The loop runs once per scan: compiled optimised at once rather than first as tier-0 code.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Run(CancellationToken ct)
    {
        var batch = new FrameBatch(limiter.BatchSize);
        uint src = template.SourceIp;
        uint portCount = (uint)(lastSourcePort - firstSourcePort + 1);
        ulong count = space.Count, step = (ulong)shard.Count;
        for (ulong position = NextPosition; position < count && !ct.IsCancellationRequested;)
        {
            batch.Clear();
            for (; position < count && !batch.IsFull; position += step)
            {
                ulong i = order[position];
                space.Decode(i, out uint dst, out ushort dport);
                ushort sport = (ushort)(firstSourcePort + (uint)(position % portCount));
                uint seq = cookie.Compute(src, dst, sport, dport);
                batch.Commit(template.Write(batch.Next(), dst, sport, dport, seq, (ushort)(seq >> 16)));
            }
            limiter.Acquire(batch.Count, ct);
            int sent = sink.Send(batch);  // throws if the interface refuses: NextPosition stays at the batch
            Interlocked.Add(ref counters.ProbesSent, sent);
            NextPosition = position;
        }
    }
}
