using System.Buffers.Binary;
using RawScan.Permutation;
using RawScan.Probes;
using RawScan.Results;
using RawScan.Targets;
using RawScan.Transmit;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// The results journal and the place a resume starts from (issue 12): records read back as written,
/// a journal is cut to what its place counted on, and the resume sends exactly the window's probes
/// the journal lacks, first.
/// </summary>
public class JournalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rawscan-journal-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static PortResult Result(int i) => new((uint)(0xC6120000 + i), i % 3 == 0 ? Protocol.Udp : Protocol.Tcp, (ushort)(i * 7),
        (PortState)(i % 4), (byte)(i % 250), 1_700_000_000_000_000 + i, (PortReason)(i % 12), (uint)(i * 13));

    [Fact]
    public void RecordsReadBackAsWritten()
    {
        string path = Path.Combine(_dir, "j");
        long length;
        using (var j = ResultJournal.Create(path, seed: 42))
        {
            for (int i = 0; i < 20_000; i++) j.OnResult(Result(i));   // more than one buffer's worth
            length = j.Commit(j.Flush());
        }
        Assert.Equal(ResultJournal.HeaderLength + 20_000L * ResultJournal.RecordLength, length);
        var back = ResultJournal.Read(path, 42, length).ToList();
        Assert.Equal(Enumerable.Range(0, 20_000).Select(Result), back);
    }

    [Fact]
    public void AResumedJournalIsCutToWhatItsPlaceCountedOn()
    {
        string path = Path.Combine(_dir, "j");
        long mark;
        using (var j = ResultJournal.Create(path, seed: 7))
        {
            for (int i = 0; i < 5; i++) j.OnResult(Result(i));
            mark = j.Commit(j.Flush());
            for (int i = 5; i < 9; i++) j.OnResult(Result(i));    // written after the place was saved
            j.Flush();
        }
        File.AppendAllText(path, "half a rec");                   // and a record cut in half by the kill
        using (var j = ResultJournal.Continue(path, 7, mark))
        {
            j.OnResult(Result(100));
            j.Commit(j.Flush());
        }
        var back = ResultJournal.Read(path, 7, new FileInfo(path).Length).ToList();
        Assert.Equal([.. Enumerable.Range(0, 5).Select(Result), Result(100)], back);
    }

    [Fact]
    public void AnotherScansOrADamagedJournalIsRefused()
    {
        string path = Path.Combine(_dir, "j");
        using (var j = ResultJournal.Create(path, seed: 7)) j.Commit(j.Flush());
        Assert.Throws<InvalidDataException>(() => ResultJournal.Read(path, 8, ResultJournal.HeaderLength).ToList());
        Assert.Throws<InvalidDataException>(() => ResultJournal.Read(path, 7, ResultJournal.HeaderLength + 24).ToList());
        Assert.Throws<InvalidDataException>(() => ResultJournal.Read(path, 7, ResultJournal.HeaderLength + 5).ToList());
        File.AppendAllBytes(path, new byte[24]);                 // zeros, as a power cut can leave: protocol 0
        Assert.Throws<InvalidDataException>(() => ResultJournal.Read(path, 7, ResultJournal.HeaderLength + 24).ToList());
    }

    private static ScanOptions Options(string shard = "1/1") => new()
    {
        Targets = TargetSet.Parse("198.18.0.0/24"), Ports = ScanPorts.Parse("22,80,443", ScanTypes.Tcp), Seed = 99, Shard = Shard.Parse(shard),
    };

    [Theory]
    [InlineData("1/1")]
    [InlineData("2/3")]
    public void TheResumeSendsTheWindowsProbesTheJournalLacks(string shard)
    {
        var o = Options(shard);
        var space = new ScanSpace(o.Targets, o.Ports);
        var order = new FeistelPermutation(space.Count, o.Seed);
        ulong step = (ulong)o.Shard.Count, low = o.Shard.First + 10 * step, position = o.Shard.First + 200 * step;
        PortResult At(ulong p)
        {
            space.Decode(order[p], out UInt128 a, out ushort port, out Protocol protocol);
            return new PortResult(a, protocol, port, PortState.Open, 64, 0);
        }
        // Settled: every third probe of the window, and probes outside it (before low, after position: ignored).
        var settled = new List<PortResult>();
        var expected = new List<ulong>();
        for (ulong p = low; p < position; p += step)
            if ((p / step) % 3 == 0) settled.Add(At(p)); else expected.Add(p);
        settled.Add(At(low - step));
        settled.Add(At(position));
        Assert.Equal(expected, ResumePoint.Unsettled(o, low, position, settled));
        Assert.Empty(ResumePoint.Unsettled(o, position, position, settled));
    }

    [Theory]
    [InlineData(20ul, 10ul)]          // low after position
    [InlineData(0ul, 100_000ul)]      // past the end of the space
    public void APlaceThatIsNotInTheScanIsRefused(ulong low, ulong position) =>
        Assert.Throws<InvalidDataException>(() => ResumePoint.Unsettled(Options(), low, position, []));

    private sealed class Frames(List<ulong> keys) : IFrameSink
    {
        public string Name => "keys";
        public int Send(FrameBatch batch)
        {
            for (int i = 0; i < batch.Count; i++)
                keys.Add(((ulong)BinaryPrimitives.ReadUInt32BigEndian(batch.Frame(i)[30..]) << 16) | BinaryPrimitives.ReadUInt16BigEndian(batch.Frame(i)[36..]));
            return batch.Count;
        }
        public void Dispose() { }
    }

    private sealed class Places : ICheckpoint
    {
        public readonly List<(ulong Position, ulong Low)> Saved = [];
        public long Mark() => 0;
        public void Save(ulong position, ulong low, long mark) => Saved.Add((position, low));
    }

    /// <summary>A resumed send loop sends the unsettled probes first, then the rest from the position; a dry run's place is kept as it goes.</summary>
    [Fact]
    public void TheUnsettledGoFirstThenTheRest()
    {
        var o = Options() with { Unsettled = [5, 9, 12], CheckpointEvery = TimeSpan.Zero };
        var space = new ScanSpace(o.Targets, o.Ports);
        var order = new FeistelPermutation(space.Count, o.Seed);
        var sent = new List<ulong>();
        var places = new Places();
        var t = new Transmitter(space, order, o.Shard, new ProbeBuilder(new TcpTemplate(RawScan.Tests.Frames.ScannerMac, RawScan.Tests.Frames.TargetMac, 0xC6130002),
            new SynCookie(1, 2)), new SourcePorts(61000, 65535), new Frames(sent), new RateLimiter(double.PositiveInfinity), new ScanCounters(), 700,
            unsettled: o.Unsettled, checkpoints: new CheckpointRelay(places, direct: true), checkpointEvery: o.CheckpointEvery);
        t.Run(CancellationToken.None);
        ulong Key(ulong p) { space.Decode(order[p], out UInt128 a, out ushort port); return ((ulong)Ip.ToV4(a) << 16) | port; }
        Assert.Equal([Key(5), Key(9), Key(12)], sent.Take(3));
        Assert.Equal(Enumerable.Range(700, 68).Select(p => Key((ulong)p)), sent.Skip(3));
        Assert.NotEmpty(places.Saved);
        Assert.All(places.Saved, s => Assert.Equal(s.Position, s.Low));  // a dry run settles what it sends
        Assert.Equal(768ul, places.Saved[^1].Position);
    }
}
