using RawScan.Probes;
using RawScan.Probes.Udp;
using RawScan.Results;
using RawScan.Routing;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// Every kind of IPv6 frame RawScan writes (SYN, RST, UDP protocol probes and empty datagrams,
/// Neighbor Solicitation and Advertisement), decoded by tshark from a pcap file with its checksum
/// checks on: each field where it belongs, every checksum "Good", nothing malformed.
/// </summary>
public class Ipv6TsharkTests
{
    private static readonly UInt128 Src = Ipv6.Parse("2001:db8:ff::2");
    private static readonly SynCookie Cookie = new(7, 11);

    private static UInt128 Random128(Random rng) => new(0x2001_0db8_0000_0000UL | (uint)rng.Next(), (ulong)rng.NextInt64());

    [Fact]
    public void TsharkDecodesSynAndRstProbesWithGoodChecksums()
    {
        var rng = new Random(793);
        var syn = new Tcp6Template(Frames.ScannerMac, Frames.TargetMac, Src);
        var rst = new Tcp6Template(Frames.ScannerMac, Frames.TargetMac, Src, flags: Tcp6Template.Rst);
        var sent = new List<(UInt128 Dst, ushort Sport, ushort Dport, uint Seq, bool Syn)>();
        var frames = new List<byte[]>();
        for (int i = 0; i < 100; i++)
        {
            var dst = i == 0 ? UInt128.MaxValue : Random128(rng);
            ushort sport = (ushort)(61000 + i), dport = (ushort)rng.Next(1, 65536);
            uint seq = Cookie.Compute(Src, dst, sport, dport);
            var f = new byte[Tcp6Template.FrameLength];
            bool isSyn = i % 4 != 3;
            frames.Add(f[..(isSyn ? syn : rst).Write(f, dst, sport, dport, seq)]);
            sent.Add((dst, sport, dport, seq, isSyn));
        }
        var packets = Tshark.Decode(frames, "tcp6");
        for (int i = 0; i < sent.Count; i++)
        {
            var (dst, sport, dport, seq, isSyn) = sent[i];
            var p = packets[i];
            Assert.Equal("eth:ethertype:ipv6:tcp", p.Show("frame.protocols"));
            Assert.Equal(("6", "0x000000", isSyn ? "24" : "20", "6", "64"), (p.Show("ipv6.version"), p.Show("ipv6.flow"), p.Show("ipv6.plen"), p.Show("ipv6.nxt"), p.Show("ipv6.hlim")));
            Assert.Equal((Ipv6.Format(Src), Ipv6.Format(dst)), (p.Show("ipv6.src"), p.Show("ipv6.dst")));
            Assert.Equal((sport.ToString(), dport.ToString(), seq.ToString()), (p.Show("tcp.srcport"), p.Show("tcp.dstport"), p.Show("tcp.seq_raw")));
            Assert.Equal(isSyn ? "0x0002" : "0x0004", p.Show("tcp.flags"));
            Assert.Equal("1", p.Show("tcp.checksum.status"));                 // 1: Good
            if (isSyn) Assert.Equal("1440", p.Show("tcp.options.mss_val"));
            else Assert.False(p.Has("tcp.options.mss_val"));
        }
    }

    [Fact]
    public void TsharkDecodesUdpProbesWithGoodChecksums()
    {
        var rng = new Random(768);
        var udp = new Udp6Template(Frames.ScannerMac, Frames.TargetMac, Src);
        var ports = new ushort[] { 53, 123, 161, 40000 };
        var probes = new ProbeBuilder6(new Tcp6Template(Frames.ScannerMac, Frames.TargetMac, Src), Cookie, udp, UdpPayloadTable.Default);
        var frames = new List<byte[]>();
        var sent = new List<(UInt128 Dst, ushort Sport, ushort Dport)>();
        for (int i = 0; i < 40; i++)
        {
            var dst = Random128(rng);
            ushort sport = (ushort)(61000 + i), dport = ports[i % ports.Length];
            var f = new byte[Udp6Template.HeaderLength + Udp6Template.MaxPayload];
            frames.Add(f[..probes.Write(f, dst, sport, dport, Protocol.Udp)]);
            sent.Add((dst, sport, dport));
        }
        var packets = Tshark.Decode(frames, "udp6");
        for (int i = 0; i < sent.Count; i++)
        {
            var (dst, sport, dport) = sent[i];
            var p = packets[i];
            Assert.StartsWith("eth:ethertype:ipv6:udp", p.Show("frame.protocols"));
            Assert.Equal((Ipv6.Format(Src), Ipv6.Format(dst), "17"), (p.Show("ipv6.src"), p.Show("ipv6.dst"), p.Show("ipv6.nxt")));
            Assert.Equal((sport.ToString(), dport.ToString()), (p.Show("udp.srcport"), p.Show("udp.dstport")));
            Assert.Equal(p.Show("ipv6.plen"), p.Show("udp.length"));
            Assert.Equal("1", p.Show("udp.checksum.status"));                 // 1: Good
            uint c = Cookie.Compute(Src, dst, sport, dport, 17);
            switch (dport)
            {
                case 53: Assert.Equal(((ushort)c).ToString("x4"), p.Value("dns.id")); break;
                case 123: Assert.Contains(":ntp", p.Show("frame.protocols")); break;
                case 161: Assert.Equal((0x40000000 | (c & 0x3fffffff)).ToString(), p.Show("snmp.request_id")); break;
                default: Assert.Equal("8", p.Show("udp.length")); break;
            }
        }
    }

    [Fact]
    public void TsharkDecodesNeighborDiscoveryWithGoodChecksums()
    {
        byte[] ourMac = Frames.ScannerMac, routerMac = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
        UInt128 router = Ipv6.Parse("2001:db8:ff::1");
        var ns = new byte[Ndp.FrameLength];
        Ndp.WriteSolicitation(ns, ourMac, Src, router);
        var na = new byte[Ndp.FrameLength];
        Ndp.WriteAdvertisement(na, ourMac, Src, routerMac, router, Ndp.SolicitedFlag | Ndp.OverrideFlag);
        var packets = Tshark.Decode([ns, na], "ndp");

        var s = packets[0];
        Assert.Equal("eth:ethertype:ipv6:icmpv6", s.Show("frame.protocols"));
        Assert.Equal(("33:33:ff:00:00:01", "ff02::1:ff00:1", "255"), (s.Show("eth.dst"), s.Show("ipv6.dst"), s.Show("ipv6.hlim")));
        Assert.Equal(("135", "0", "1"), (s.Show("icmpv6.type"), s.Show("icmpv6.code"), s.Show("icmpv6.checksum.status")));
        Assert.Equal(Ipv6.Format(router), s.Show("icmpv6.nd.ns.target_address"));
        Assert.Equal(("1", Mac.Format(ourMac)), (s.Show("icmpv6.opt.type"), s.Show("icmpv6.opt.linkaddr")));

        var a = packets[1];
        Assert.Equal((Mac.Format(routerMac), Ipv6.Format(router), "255"), (a.Show("eth.dst"), a.Show("ipv6.dst"), a.Show("ipv6.hlim")));
        Assert.Equal(("136", "0", "1"), (a.Show("icmpv6.type"), a.Show("icmpv6.code"), a.Show("icmpv6.checksum.status")));
        Assert.Equal(Ipv6.Format(Src), a.Show("icmpv6.nd.na.target_address"));
        Assert.Equal(("0", "1", "1"), (a.Show("icmpv6.nd.na.flag.r"), a.Show("icmpv6.nd.na.flag.s"), a.Show("icmpv6.nd.na.flag.o")));
        Assert.Equal(("2", Mac.Format(ourMac)), (a.Show("icmpv6.opt.type"), a.Show("icmpv6.opt.linkaddr")));
    }
}
