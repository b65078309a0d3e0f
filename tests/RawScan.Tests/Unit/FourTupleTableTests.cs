using RawScan.Match;
using RawScan.Results;
using Xunit;

namespace RawScan.Tests;

public class FourTupleTableTests
{
    private static long Key(uint i, ushort port = 80) => FourTupleTable.KeyOf((ulong)port << 32 | i);

    [Fact]
    public void FirstAnswerResolvesThenDuplicatesThenLateAfterRemoval()
    {
        var t = new FourTupleTable(1024);
        int slot = t.Insert(Key(1), 7, 0);
        t.SetSent(slot, 1000);
        Assert.Equal(slot, t.Find(Key(1)));
        Assert.Equal(-1, t.Find(Key(2)));
        Assert.Equal(FourTupleTable.Resolution.First, t.Resolve(Key(1), PortState.Open, out long sent, out int tries));
        Assert.Equal((1000L, 1), (sent, tries));
        Assert.Equal(FourTupleTable.Resolution.Duplicate, t.Resolve(Key(1), PortState.Open, out _, out _));
        Assert.Equal(FourTupleTable.Resolution.Duplicate, t.Resolve(Key(1), PortState.Closed, out _, out _));
        Assert.True(t.IsSettled(slot));
        Assert.False(t.MarkRetransmitted(slot));                 // an answered probe is never resent
        t.Remove(slot);
        Assert.Equal(FourTupleTable.Resolution.Late, t.Resolve(Key(1), PortState.Open, out _, out _));
        Assert.Equal(0, t.Used);                                 // the lone tombstone was tidied away
    }

    [Fact]
    public void GivenUpProbesAnswerLate()
    {
        var t = new FourTupleTable(64);
        int slot = t.Insert(Key(1), 0, 0);
        Assert.True(t.MarkRetransmitted(slot));
        Assert.Equal(2, t.TriesAt(slot));
        Assert.True(t.TryGiveUp(slot));
        Assert.Equal(FourTupleTable.Resolution.Late, t.Resolve(Key(1), PortState.Open, out _, out _));
        Assert.False(t.TryGiveUp(slot));
    }

    [Fact]
    public void ChainsSurviveRemovalInTheMiddle()
    {
        var t = new FourTupleTable(4096);
        var slots = new Dictionary<long, int>();
        for (uint i = 0; i < 2000; i++) slots[Key(i)] = t.Insert(Key(i), i, 0);
        Assert.False(t.HasRoom && t.Used > 2048);
        for (uint i = 0; i < 2000; i += 3) t.Remove(slots[Key(i)]);
        for (uint i = 0; i < 2000; i++)
            Assert.Equal(i % 3 == 0 ? -1 : slots[Key(i)], t.Find(Key(i)));
        for (uint i = 2000; i < 2600; i++) slots[Key(i)] = t.Insert(Key(i), i, 0); // reuses tombstones
        for (uint i = 0; i < 2600; i++)
            Assert.Equal(i < 2000 && i % 3 == 0 ? -1 : slots[Key(i)], t.Find(Key(i)));
    }

    [Fact]
    public void StopsAcceptingAtHalfFull()
    {
        var t = new FourTupleTable(64);
        int n = 0;
        while (t.Insert(Key((uint)n), 0, 0) >= 0) n++;
        Assert.Equal(32, n);
        Assert.False(t.HasRoom);
    }

    /// <summary>
    /// The send thread inserts, resends, gives up and removes while the receive thread resolves, as in
    /// a scan: every probe must end exactly one way (answered once, or given up), never both, never twice.
    /// </summary>
    [Fact]
    public void TwoThreadsSettleEveryProbeExactlyOnce()
    {
        const int N = 200_000;
        var t = new FourTupleTable(1 << 12);
        var answered = new int[N];
        var gaveUp = new int[N];
        var inFlight = new System.Collections.Concurrent.ConcurrentQueue<int>();
        bool done = false;
        var receiver = new Thread(() =>
        {
            var rng = new Random(1);
            while (!Volatile.Read(ref done) || !inFlight.IsEmpty)
            {
                if (!inFlight.TryDequeue(out int i)) continue;
                if (rng.Next(4) == 0) continue;                    // a quarter never answer
                int replies = 1 + rng.Next(3);                     // some answer twice or three times
                for (int r = 0; r < replies; r++)
                    if (t.Resolve(Key((uint)i), PortState.Open, out _, out _) == FourTupleTable.Resolution.First)
                        Interlocked.Increment(ref answered[i]);
            }
        });
        receiver.Start();
        var pending = new Queue<(int Slot, int Index)>();
        for (int i = 0; i < N || pending.Count > 0;)
        {
            if (i < N && t.HasRoom)
            {
                pending.Enqueue((t.Insert(Key((uint)i), (ulong)i, 0), i));
                inFlight.Enqueue(i++);
                continue;
            }
            var (slot, index) = pending.Dequeue();
            if (!t.IsSettled(slot) && t.MarkRetransmitted(slot) && t.TriesAt(slot) < 3) { pending.Enqueue((slot, index)); continue; }
            if (t.TryGiveUp(slot)) gaveUp[index]++;
            t.Remove(slot);
        }
        Volatile.Write(ref done, true);
        receiver.Join();
        for (int i = 0; i < N; i++)
            if (answered[i] + gaveUp[i] != 1) Assert.Fail($"probe {i}: answered {answered[i]} times, given up {gaveUp[i]} times");
        Assert.Equal(0, t.Used);
    }
}
