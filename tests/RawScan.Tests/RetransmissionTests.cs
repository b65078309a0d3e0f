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
    private sealed class Network(FourTupleTable table, Func<uint, bool> answers) : IFrameSink
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
                if (answers(dst)) table.Resolve(FourTupleTable.Pack(dst, port, 6), PortState.Open, out _, out _);
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
        var retx = new Retransmission(table, rtt, retries, new ResultQueue(1024));
        static bool Answers(uint dst) => (dst & 0xff) % 4 != 0;     // every fourth address never answers
        var net = new Network(table, Answers);
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
        Assert.All(filtered, a => Assert.False(Answers(a)));
        Assert.Equal(0, table.Used);
    }
}
