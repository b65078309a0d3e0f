using System.Buffers.Binary;
using System.Diagnostics;
using RawScan.Lab.Internal;
using RawScan.Permutation;
using RawScan.Probes;
using RawScan.Targets;
using RawScan.Transmit;
using Xunit;

namespace RawScan.Tests;

/// <summary>An interrupted scan, resumed, probes every index exactly once.</summary>
public class ResumeTests
{
    /// <summary>Collects destinations and cancels the scan after a given number of frames.</summary>
    private sealed class StopAfter(int frames, CancellationTokenSource cts) : IFrameSink
    {
        public readonly List<(uint, ushort)> Probes = [];
        public string Name => "stop-after";
        public int Send(FrameBatch batch)
        {
            for (int i = 0; i < batch.Count; i++)
                Probes.Add((BinaryPrimitives.ReadUInt32BigEndian(batch.Frame(i)[30..]), BinaryPrimitives.ReadUInt16BigEndian(batch.Frame(i)[36..])));
            if (Probes.Count >= frames) cts.Cancel();
            return batch.Count;
        }
        public void Dispose() { }
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(1, 1, 1000)]
    [InlineData(2, 3, 333)]
    [InlineData(3, 3, 64)]
    public void InterruptedThenResumedCoversTheShardOnce(int index, int count, int stopAfter)
    {
        var space = new ScanSpace(TargetSet.Parse("198.18.0.0/23"), PortSet.Parse("22,80,443"));
        var shard = new Shard(index, count);
        var order = new FeistelPermutation(space.Count, 77);
        var all = new List<(uint, ushort)>();
        ulong? start = null;
        for (int run = 0; run < 100_000; run++)                 // interrupted again and again until done
        {
            using var cts = new CancellationTokenSource();
            var sink = new StopAfter(stopAfter, cts);
            var t = new Transmitter(space, order, shard, new ProbeBuilder(new TcpTemplate(Frames.ScannerMac, Frames.TargetMac, 0xC6130002), new SynCookie(1, 2)),
                new SourcePorts(61000, 65535), sink, new RateLimiter(double.PositiveInfinity), new ScanCounters(), start ?? ulong.MaxValue);
            t.Run(cts.Token);
            all.AddRange(sink.Probes);
            start = t.NextPosition;
            if (start >= space.Count) break;
        }
        Assert.Equal((int)shard.CountOf(space.Count), all.Count);
        Assert.Equal(all.Count, all.Distinct().Count());
    }

    [Fact]
    public async Task CtrlCWritesAResumeFileAndResumingFinishesExactly()
    {
        string dir = Directory.CreateTempSubdirectory("rawscan-resume-").FullName;
        try
        {
            string a = Path.Combine(dir, "a.pcap"), b = Path.Combine(dir, "b.pcap"), full = Path.Combine(dir, "full.pcap"), saved = Path.Combine(dir, "paused.rawscan");
            string[] scan = ["scan", "198.18.0.0/20", "-p", "80,443", "--dry-run", "--seed", "7"];

            // A dry run at 2,000 pps takes 4 s; interrupt it after one, as Ctrl-C would.
            var psi = Cli.StartInfo([.. scan, "--write-pcap", a, "--rate", "2000", "--resume-file", saved]);
            using (var p = Process.Start(psi)!)
            {
                var stderr = p.StandardError.ReadToEndAsync();
                Thread.Sleep(1500);
                Exec.Run("kill", "-INT", p.Id.ToString());
                Assert.True(p.WaitForExit(10_000));
                Assert.Equal(130, p.ExitCode);
                Assert.Contains("--resume", await stderr);
            }
            Assert.True(File.Exists(saved));

            var resumed = Cli.Run(["scan", "--resume", saved, "--write-pcap", b, "--rate", "max"]);
            Assert.True(resumed.ExitCode == 0, resumed.Stderr);
            var whole = Cli.Run([.. scan, "--write-pcap", full, "--rate", "max"]);
            Assert.True(whole.ExitCode == 0, whole.Stderr);

            var first = Destinations(a);
            var second = Destinations(b);
            Assert.NotEmpty(first);
            Assert.NotEmpty(second);
            Assert.Equal(4096 * 2, first.Count + second.Count);
            Assert.Equal(Destinations(full).OrderBy(x => x), first.Concat(second).OrderBy(x => x));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void DryRunPcapDecodesWithCorrectChecksums()
    {
        string pcap = Path.GetTempFileName();
        try
        {
            var r = Cli.Run(["scan", "198.18.0.0/24", "-p", "1-4", "--dry-run", "--write-pcap", pcap, "--source-ip", "198.19.0.10", "--rate", "max"]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            var lines = Exec.Run("tcpdump", "-r", pcap, "-nn", "-vv", "-t").Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var tcp = lines.Where(l => l.Contains("Flags [S]")).ToList();
            Assert.Equal(1024, tcp.Count);
            Assert.All(tcp, l => Assert.Contains("(correct)", l));
            Assert.DoesNotContain(lines, l => l.Contains("bad cksum"));
            Assert.All(tcp, l => Assert.StartsWith("198.19.0.10.", l.Trim()));
        }
        finally { File.Delete(pcap); }
    }

    [Fact]
    public void TopPortsProbesTheMostOftenOpenPortsOfEachProtocol()
    {
        string pcap = Path.GetTempFileName();
        try
        {
            var r = Cli.Run(["scan", "198.18.0.1", "--top-ports", "10", "-sS", "-sU", "--dry-run", "--write-pcap", pcap, "--source-ip", "198.19.0.10", "--rate", "max"]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            var lines = Exec.Run("tcpdump", "-r", pcap, "-nn", "-t").Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var expected = RawScan.Registry.ServiceRegistry.Default;
            var tcp = expected.TopPorts(RawScan.Results.Protocol.Tcp, 10).Select(p => $"198.18.0.1.{p}:").ToHashSet();
            Assert.Equal(20, lines.Length);                                       // ten of each protocol
            Assert.Equal(10, lines.Count(l => l.Contains("Flags [S]")));
            Assert.All(lines.Where(l => l.Contains("Flags [S]")), l => Assert.Contains(l.Split(' ')[3], tcp));
            Assert.Contains("198.18.0.1.80:", string.Join("\n", lines));               // http is among the top ten anywhere
        }
        finally { File.Delete(pcap); }
        var both = Cli.Run(["scan", "198.18.0.1", "-p", "80", "--top-ports", "5"]);
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("'--top-ports'", both.Stderr);
    }

    private static List<string> Destinations(string pcap) =>
        [.. Exec.Run("tcpdump", "-r", pcap, "-nn", "-t").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[3])];
}
