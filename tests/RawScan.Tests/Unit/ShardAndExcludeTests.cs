using System.Buffers.Binary;
using RawScan.Permutation;
using RawScan.Probes;
using RawScan.Targets;
using RawScan.Transmit;
using Xunit;

namespace RawScan.Tests;

/// <summary>The send loop over shards and excludes, its frames collected instead of sent.</summary>
public class ShardAndExcludeTests
{
    private sealed class Collect : IFrameSink
    {
        public readonly List<(uint Dst, ushort Port)> Probes = [];
        public string Name => "collect";
        public int Send(FrameBatch batch)
        {
            for (int i = 0; i < batch.Count; i++)
            {
                var f = batch.Frame(i);
                Probes.Add((BinaryPrimitives.ReadUInt32BigEndian(f[30..]), BinaryPrimitives.ReadUInt16BigEndian(f[36..])));
            }
            return batch.Count;
        }
        public void Dispose() { }
    }

    private static List<(uint, ushort)> Send(TargetSet targets, PortSet ports, ulong seed, Shard shard)
    {
        var space = new ScanSpace(targets, ports);
        var sink = new Collect();
        var t = new Transmitter(space, new FeistelPermutation(space.Count, seed), shard,
            new ProbeBuilder(new TcpTemplate(Frames.ScannerMac, Frames.TargetMac, 0xC6130002), new SynCookie(1, 2)), new SourcePorts(61000, 65535), sink, new RateLimiter(double.PositiveInfinity), new ScanCounters());
        t.Run(CancellationToken.None);
        return sink.Probes;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    public void ShardsAreDisjointAndCoverTheSpace(int n)
    {
        var targets = TargetSet.Parse("198.18.0.0/22");
        var ports = PortSet.Parse("22,80,443");
        var all = new HashSet<(uint, ushort)>();
        int total = 0;
        for (int i = 1; i <= n; i++)
        {
            var shard = new Shard(i, n);
            var probes = Send(targets, ports, 12345, shard);
            Assert.Equal((int)shard.CountOf(1024 * 3), probes.Count);
            total += probes.Count;
            all.UnionWith(probes);
        }
        Assert.Equal(1024 * 3, total);        // no probe twice across shards
        Assert.Equal(1024 * 3, all.Count);    // and every probe once
    }

    [Fact]
    public void ExcludedAddressesGetNoProbe()
    {
        var excluded = TargetSet.Parse("198.18.0.128/25,198.18.1.7");
        var targets = TargetSet.Parse("198.18.0.0/23").Except(excluded);
        var probes = Send(targets, PortSet.Parse("80"), 1, Shard.Whole);
        Assert.Equal(512 - 128 - 1, probes.Count);
        Assert.DoesNotContain(probes, p => excluded.Contains(p.Item1));
        Assert.Equal(probes.Count, probes.Distinct().Count());
    }

    [Fact]
    public void BuiltinExcludeCoversReservedSpace()
    {
        var b = TargetFiles.BuiltinExclude;
        foreach (var a in new[] { "0.1.2.3", "127.0.0.1", "224.0.0.1", "239.255.255.255", "240.0.0.1", "255.255.255.255" })
            Assert.True(b.Contains(Ipv4Range.Parse(a).First), a);
        foreach (var a in new[] { "198.18.0.1", "1.0.0.0", "126.255.255.255", "223.255.255.255" })
            Assert.False(b.Contains(Ipv4Range.Parse(a).First), a);
    }

    [Fact]
    public void TargetFilesAllowCommentsAndNameTheBadLine()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "# lab targets\n198.18.0.0/30  # four\n\n198.18.1.1,198.18.1.2\n");
            Assert.Equal(6ul, TargetFiles.Read(path, "target").Count);
            File.WriteAllText(path, "198.18.0.0/30\n198.18.2\n");
            var e = Assert.Throws<BadInputException>(() => TargetFiles.Read(path, "target"));
            Assert.Equal("198.18.2", e.Token);
            Assert.Contains("line 2", e.Message);
        }
        finally { File.Delete(path); }
        var missing = Assert.Throws<BadInputException>(() => TargetFiles.Read("/nonexistent/targets.txt", "target"));
        Assert.Equal("/nonexistent/targets.txt", missing.Token);
    }

    [Theory]
    [InlineData("0/3")]
    [InlineData("4/3")]
    [InlineData("1/0")]
    [InlineData("x")]
    public void BadShardIsRejected(string s) => Assert.Equal(s, Assert.Throws<BadInputException>(() => Shard.Parse(s)).Token);
}
