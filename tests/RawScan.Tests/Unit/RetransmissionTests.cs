using System.Buffers.Binary;
using RawScan.Match;
using RawScan.Permutation;
using RawScan.Probes;
using RawScan.Results;
using RawScan.Targets;
using RawScan.Transmit;
using Xunit;

namespace RawScan.Tests;

/// <summary>The send loop's retransmission, with a sink that plays the network: some targets answer, some never do.</summary>
public class RetransmissionTests
{
    private sealed class Network(FourTupleTable table, ScanSpace space, Func<uint, bool> answers, ScanCounters? counters = null) : IFrameSink
    {
        public readonly Dictionary<uint, int> Sends = [];
        public string Name => "network";
        public int Send(FrameBatch batch)
        {
            for (int i = 0; i < batch.Count; i++)
            {
                uint dst = BinaryPrimitives.ReadUInt32BigEndian(batch.Frame(i)[30..]);
                ushort port = BinaryPrimitives.ReadUInt16BigEndian(batch.Frame(i)[36..]);
                Sends[dst] = Sends.GetValueOrDefault(dst) + 1;
                Assert.True(space.TryIndexOf(Ip.V4(dst), port, Protocol.Tcp, out ulong index));
                if (answers(dst) && table.Resolve(FourTupleTable.KeyOf(index), PortState.Open, out _, out _) == FourTupleTable.Resolution.First
                    && counters is not null) counters.Open++;                 // as the receive loop counts a result
            }
            return batch.Count;
        }
        public void Dispose() { }
    }

    private sealed class Collect : IResultSink
    {
        public readonly List<PortResult> Results = [];
        public void OnResult(in PortResult r) => Results.Add(r);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void OnlyTheUnansweredAreResentThenFiltered(int retries)
    {
        var space = new ScanSpace(TargetSet.Parse("198.18.0.0/24"), PortSet.Parse("80"));
        var table = new FourTupleTable(1 << 12);
        var rtt = new RttEstimator(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(5));
        var retx = new Retransmission(table, rtt, retries, new ResultQueue(1024), space);
        static bool Answers(uint dst) => (dst & 0xff) % 4 != 0;     // every fourth address never answers
        var net = new Network(table, space, Answers);
        var counters = new ScanCounters();
        var t = new Transmitter(space, new FeistelPermutation(space.Count, 3), Shard.Whole,
            new ProbeBuilder(new TcpTemplate(Frames.ScannerMac, Frames.TargetMac, 0xC6130002), new SynCookie(1, 2)), new SourcePorts(61000, 65535),
            net, new RateLimiter(double.PositiveInfinity), counters, ulong.MaxValue, retx);
        t.Run(CancellationToken.None);
        var sink = new Collect();
        retx.Finish(sink, counters);

        Assert.Equal(256, net.Sends.Count);
        foreach (var (dst, sends) in net.Sends)
            Assert.Equal(Answers(dst) ? 1 : 1 + retries, sends);      // answered: once; silent: every try
        Assert.Equal(64 * retries, counters.Retransmits);
        var filtered = sink.Results.Where(r => r.State == PortState.Filtered).Select(r => r.Address).ToHashSet();
        Assert.Equal(64, filtered.Count);
        Assert.All(filtered, a => Assert.False(Answers(Ip.ToV4(a))));
        Assert.Equal(0, table.Used);
    }

    /// <summary>
    /// Each resend waits twice as long as the try before it (RFC 6298 5.5): with a timeout T and two
    /// retries, a silent probe sent at 0 is resent at T and 3T (not 2T) and given up at 7T (not 3T);
    /// never a tick sooner.
    /// </summary>
    [Fact]
    public void EachResendDoublesTheWait()
    {
        var table = new FourTupleTable(1 << 12);
        var rtt = new RttEstimator(TimeSpan.Zero, TimeSpan.FromMilliseconds(1));
        long T = rtt.TimeoutTicks, step = T / 100;
        var filtered = new ResultQueue(16);
        var space = new ScanSpace(TargetSet.Parse("198.18.0.1"), PortSet.Parse("80"));
        var retx = new Retransmission(table, rtt, retries: 2, filtered, space);
        var counters = new ScanCounters();
        long key = FourTupleTable.KeyOf(0);
        int slot = table.Insert(key, 0, 0);
        retx.Track(slot, key, 1);
        var resent = new List<long>();
        long now = 0;
        bool Resend(int s, long k)
        {
            Assert.True(table.MarkRetransmitted(s));
            table.SetSent(s, now);
            resent.Add(now);
            retx.Track(s, k, table.TriesAt(s));
            return true;
        }
        for (; now <= 10 * T && !retx.IsEmpty; now += step) retx.Sweep(now, Resend, counters);

        Assert.Equal([T, 3 * T], resent);
        Assert.Equal(7 * T + step, now);                             // the sweep at 7T gave up; the loop stepped once more
        var sink = new Collect();
        Assert.Equal(1, filtered.Drain(sink));
        Assert.Equal(PortState.Filtered, sink.Results.Single().State);
        Assert.Equal(1, counters.Filtered);
    }

    [Theory]
    [InlineData(1, 100)]
    [InlineData(2, 200)]
    [InlineData(3, 400)]
    [InlineData(7, 6400)]
    [InlineData(50, 6400)]                                            // capped at 64 timeouts
    public void BackoffDoublesPerTryUpToSixtyFourTimes(int tries, long wait) => Assert.Equal(wait, Retransmission.Backoff(100, tries));

    /// <summary>
    /// When every probe has its answer the send loop ends at once, not after the last ones' timeouts
    /// (here 60 s: waiting would hang the test); their slots are left for Finish to free.
    /// </summary>
    [Fact]
    public async Task EveryProbeAnsweredEndsTheSendLoopWithoutWaitingForTimeouts()
    {
        var space = new ScanSpace(TargetSet.Parse("198.18.0.0/24"), PortSet.Parse("80"));
        var table = new FourTupleTable(1 << 12);
        var retx = new Retransmission(table, new RttEstimator(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60)), 1, new ResultQueue(1024), space);
        var counters = new ScanCounters { ProbesPlanned = 256 };
        var net = new Network(table, space, _ => true, counters);
        var t = new Transmitter(space, new FeistelPermutation(space.Count, 3), Shard.Whole,
            new ProbeBuilder(new TcpTemplate(Frames.ScannerMac, Frames.TargetMac, 0xC6130002), new SynCookie(1, 2)), new SourcePorts(61000, 65535),
            net, new RateLimiter(double.PositiveInfinity), counters, ulong.MaxValue, retx);
        var run = Task.Run(() => t.Run(CancellationToken.None));
        Assert.Same(run, await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(30))));  // else it waited for the timeouts
        Assert.Equal(256, net.Sends.Count);
        Assert.All(net.Sends.Values, n => Assert.Equal(1, n));
        Assert.False(retx.IsEmpty);                                   // not swept: nothing was due
        retx.Finish(new Collect(), counters);
        Assert.Equal(0, table.Used);
        Assert.Equal(0, counters.Filtered);
    }
}
