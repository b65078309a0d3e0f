using System.Buffers.Binary;
using RawScan.Lab.Internal;
using RawScan.Probes;
using RawScan.Targets;
using RawScan.Transmit;
using Xunit;

namespace RawScan.Tests;

public class SynFrameTests
{
    private static readonly uint Src = Ipv4Range.Parse("198.19.0.2").First;
    private static readonly SynCookie Cookie = new(0x1111, 0x2222);

    private static IEnumerable<(uint Dst, ushort Sport, ushort Dport, uint Seq)> Probes()
    {
        var rng = new Random(58);
        for (int i = 0; i < 200; i++)
        {
            uint dst = 0xC6120000u | (uint)rng.Next(65536);                // 198.18.0.0/16
            ushort sport = (ushort)rng.Next(61000, 65536), dport = (ushort)rng.Next(0, 65536);
            yield return (dst, sport, dport, Cookie.Compute(Src, dst, sport, dport));
        }
        yield return (0xC612FFFFu, 65535, 65535, 0xffffffff);               // all-ones fields: checksum carry edge
        yield return (0xC6120000u, 0, 0, 0);
    }

    private static byte[] Build(TcpTemplate t, (uint Dst, ushort Sport, ushort Dport, uint Seq) p)
    {
        var f = new byte[TcpTemplate.FrameLength];
        t.Write(f, p.Dst, p.Sport, p.Dport, p.Seq, (ushort)(p.Seq >> 16));
        return f;
    }

    /// <summary>The template's RFC 1624 patch against RawScan's full RFC 1071 sum; PacketDotNet's independent check is TcpProbeDecodingTests.</summary>
    [Fact]
    public void ChecksumsVerifyAgainstFullRecompute()
    {
        var t = new TcpTemplate(Frames.ScannerMac, Frames.TargetMac, Src);
        foreach (var p in Probes())
        {
            var f = Build(t, p);
            // A correct header sums to 0xffff including its checksum (RFC 1071): check both layers.
            Assert.Equal(0, Checksum.Compute(f.AsSpan(14, 20)));
            var tcp = f.AsSpan(34, 24);
            Assert.Equal(0, Checksum.Finish(Checksum.Add(tcp, Checksum.PseudoHeader(Src, p.Dst, 6, 24))));
            Assert.Equal(p.Seq, BinaryPrimitives.ReadUInt32BigEndian(f.AsSpan(38)));
        }
    }

    /// <summary>tcpdump, an independent decoder ('./run-scan.sh test' installs it), reads what we would send.</summary>
    [Fact]
    public void TcpdumpDecodesEveryFrameWithCorrectChecksums()
    {
        var t = new TcpTemplate(Frames.ScannerMac, Frames.TargetMac, Src);
        var probes = Probes().ToList();
        string pcap = Path.Combine(Path.GetTempPath(), $"rawscan-syn-{Environment.ProcessId}.pcap");
        try
        {
            using (var sink = new PcapFileSink(pcap))
            {
                var batch = new FrameBatch(probes.Count);
                foreach (var p in probes) { Build(t, p).CopyTo(batch.Next()); batch.Commit(TcpTemplate.FrameLength); }
                Assert.Equal(probes.Count, sink.Send(batch));
            }
            var lines = Exec.Run("tcpdump", "-r", pcap, "-nn", "-vv", "-S", "-t").Split('\n', StringSplitOptions.RemoveEmptyEntries);
            // -vv prints two lines per packet: the IP header, then the TCP line with the verdict on its checksum.
            var tcpLines = lines.Where(l => l.Contains("Flags [")).ToList();
            var ipLines = lines.Where(l => l.StartsWith("IP (", StringComparison.Ordinal)).ToList();
            Assert.Equal(probes.Count, tcpLines.Count);
            Assert.Equal(probes.Count, ipLines.Count);
            Assert.All(ipLines, l => { Assert.DoesNotContain("bad cksum", l); Assert.Contains("proto TCP (6), length 44", l); });
            for (int i = 0; i < probes.Count; i++)
            {
                var p = probes[i];
                string expect = $"198.19.0.2.{p.Sport} > {Ipv4.Format(p.Dst)}.{p.Dport}: Flags [S], cksum 0x";
                Assert.Contains(expect, tcpLines[i]);
                Assert.Matches(@"cksum 0x[0-9a-f]{4} \(correct\)", tcpLines[i]);
                Assert.Contains($"seq {p.Seq}, win 1024, options [mss 1460], length 0", tcpLines[i]);
            }
        }
        finally { File.Delete(pcap); }
    }
}
