using RawScan.Lab.Internal;
using RawScan.Transmit;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// The reply frames the tests build with PacketDotNet (Frames) are what a target would send: tcpdump,
/// a decoder from outside .NET, reads every kind (plain, IP options, VLAN tag) with correct checksums.
/// Without this, a PacketDotNet quirk in building could go unseen by tests that only feed RawScan.
/// </summary>
public class FramesTests
{
    private const uint Target = 0xC6120405, Me = 0xC6130002;

    [Fact]
    public void TcpdumpReadsEveryReplyKindWithCorrectChecksums()
    {
        var syn = new byte[RawScan.Probes.TcpTemplate.FrameLength];
        new RawScan.Probes.TcpTemplate(Frames.ScannerMac, Frames.TargetMac, Me).Write(syn, Target, 61001, 80, 0x01020304, 1);
        var frames = new List<byte[]>();
        foreach (var (opts, vlan) in new[] { (0, false), (8, false), (40, true), (0, true) })
        {
            frames.Add(Frames.Tcp(Target, Me, 80, 61001, 999, 0x01020305, 0x12, opts, vlan));
            frames.Add(Frames.Tcp(Target, Me, 81, 61001, 0, 0x01020305, 0x14, opts, vlan));
            frames.Add(Frames.Udp(Target, Me, 9999, 61001, "an odd-length payload"u8.ToArray(), opts, vlan));
            frames.Add(Frames.IcmpUnreachable(0xC6130001, Me, 13, Frames.Quote(syn), opts, vlan));
        }
        var spoilt = Frames.IcmpUnreachable(0xC6130001, Me, 13, Frames.Quote(syn));
        spoilt[14 + 20 + 2] ^= 0xff;                                                    // the ICMP checksum
        frames.Add(spoilt);
        string pcap = Path.Combine(Path.GetTempPath(), $"rawscan-frames-{Environment.ProcessId}.pcap");
        try
        {
            using (var sink = new PcapFileSink(pcap))
            {
                var batch = new FrameBatch(frames.Count);
                foreach (var f in frames) { f.CopyTo(batch.Next()); batch.Commit(f.Length); }
                Assert.Equal(frames.Count, sink.Send(batch));
            }
            var text = Exec.Run("tcpdump", "-r", pcap, "-nn", "-vv", "-e", "-S", "-t");
            // -vv: an IP line then a transport line per packet; -e: the link layer with the VLAN tag.
            Assert.DoesNotContain("bad cksum", text);                                   // IPv4 header
            Assert.DoesNotContain("incorrect", text);                                   // TCP
            Assert.DoesNotContain("bad udp cksum", text);
            Assert.Equal(1, Count(text, "wrong icmp cksum"));                           // only the one spoilt on purpose: the check is live
            Assert.Equal(8, Count(text, "(correct)"));                                  // the 8 TCP segments
            Assert.Equal(4, Count(text, "[udp sum ok]"));
            Assert.Equal(5, Count(text, "198.19.0.1 > 198.19.0.2: ICMP host 198.18.4.5 unreachable - admin prohibited filter"));
            Assert.Equal(5, Count(text, "198.19.0.2.61001 > 198.18.4.5.80:"));          // the quoted SYN
            Assert.Equal(8, Count(text, "vlan 7, p 0, ethertype IPv4"));
            Assert.Equal(4, Count(text, "options (NOP,NOP,NOP,NOP,NOP,NOP,NOP,NOP))"));
            Assert.Equal(4, Count(text, "198.18.4.5.80 > 198.19.0.2.61001: Flags [S.], cksum"));
            Assert.Equal(4, Count(text, "seq 999, ack 16909061, win 65535, length 0"));
            Assert.Equal(4, Count(text, "198.18.4.5.81 > 198.19.0.2.61001: Flags [R.]"));
            Assert.Equal(4, Count(text, "198.18.4.5.9999 > 198.19.0.2.61001: [udp sum ok] UDP, length 21"));
        }
        finally { File.Delete(pcap); }
    }

    private static int Count(string text, string what)
    {
        int n = 0;
        for (int at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}
