using PacketDotNet;
using PacketDotNet.Tcp;
using RawScan.Probes;
using RawScan.Results;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// The IPv6 SYN probes and RSTs that <see cref="Tcp6Template"/> writes, read back by PacketDotNet and
/// checked by a third, naive checksum (<see cref="Frames6.UpperLayerChecksumIsValid"/>): both share
/// nothing with the template's RFC 1624 patching. Random keys, sources and four-tuples, plus the
/// all-zero and all-one edges of every field the patch touches.
/// </summary>
public class Tcp6ProbeDecodingTests
{
    private static readonly byte[] SrcMac = [0x02, 0x42, 0xac, 0x11, 0x00, 0x02], DstMac = [0x0a, 0xbc, 0xde, 0xf0, 0x12, 0x34];

    private static UInt128 Random128(Random rng) => new((ulong)rng.NextInt64() ^ ((ulong)rng.Next(2) << 63), (ulong)rng.NextInt64() ^ ((ulong)rng.Next(2) << 63));

    private static IEnumerable<(UInt128 Src, SynCookie Cookie)> Scans()
    {
        var rng = new Random(8200);
        foreach (var src in new[] { Ipv6.Parse("2001:db8:ff::2"), UInt128.Zero, UInt128.MaxValue, Random128(rng), Random128(rng) })
            yield return (src, new SynCookie((ulong)rng.NextInt64(), (ulong)rng.NextInt64()));
    }

    internal static IEnumerable<(UInt128 Dst, ushort Sport, ushort Dport)> FourTuples(Random rng)
    {
        yield return (0, 0, 0);
        yield return (UInt128.MaxValue, 65535, 65535);
        yield return (Ipv6.Parse("2001:db8:1::ffff"), 61000, 80);
        for (int i = 0; i < 400; i++)
            yield return (Random128(rng), (ushort)rng.Next(65536), (ushort)rng.Next(65536));
    }

    private static (EthernetPacket Eth, IPv6Packet Ip, TcpPacket Tcp) Decode(byte[] frame)
    {
        var eth = Assert.IsType<EthernetPacket>(Packet.ParsePacket(LinkLayers.Ethernet, frame));
        var ip = Assert.IsType<IPv6Packet>(eth.PayloadPacket);
        return (eth, ip, Assert.IsType<TcpPacket>(ip.PayloadPacket));
    }

    [Fact]
    public void SynProbesDecodeWithTheCookieTheMssOptionAndValidChecksums()
    {
        var rng = new Random(6);
        int checkedFrames = 0;
        foreach (var (src, cookie) in Scans())
        {
            var probes = new ProbeBuilder6(new Tcp6Template(SrcMac, DstMac, src), cookie);
            foreach (var (dst, sport, dport) in FourTuples(rng))
            {
                var frame = new byte[Tcp6Template.FrameLength];
                Assert.Equal(78, probes.Write(frame, dst, sport, dport, Protocol.Tcp));
                uint seq = cookie.Compute(src, dst, sport, dport);
                var (eth, ip, tcp) = Decode(frame);

                Assert.Equal(SrcMac, eth.SourceHardwareAddress.GetAddressBytes());
                Assert.Equal(DstMac, eth.DestinationHardwareAddress.GetAddressBytes());
                Assert.Equal(EthernetType.IPv6, eth.Type);

                Assert.Equal(IPVersion.IPv6, ip.Version);
                Assert.Equal((0, 0), (ip.TrafficClass, ip.FlowLabel));
                Assert.Equal(24, ip.PayloadLength);
                Assert.Equal(ProtocolType.Tcp, ip.NextHeader);
                Assert.Empty(ip.ExtensionHeaders);
                Assert.Equal(64, ip.HopLimit);
                Assert.Equal((src, dst), (Frames6.Address(ip.SourceAddress), Frames6.Address(ip.DestinationAddress)));

                Assert.Equal((sport, dport), (tcp.SourcePort, tcp.DestinationPort));
                Assert.Equal(seq, tcp.SequenceNumber);
                Assert.Equal(0u, tcp.AcknowledgmentNumber);
                Assert.Equal(Tcp6Template.Syn, tcp.Flags);
                Assert.Equal(6, tcp.DataOffset);
                Assert.Equal(1024, tcp.WindowSize);
                Assert.Equal(0, tcp.UrgentPointer);
                var mss = Assert.IsType<MaximumSegmentSizeOption>(Assert.Single(tcp.OptionsCollection));
                Assert.Equal((OptionTypes.MaximumSegmentSize, 4, 1440), (mss.Kind, mss.Length, mss.Value));
                Assert.Empty(tcp.PayloadData ?? []);
                Assert.True(tcp.ValidTcpChecksum, $"TCP checksum 0x{tcp.Checksum:x4}, PacketDotNet computes 0x{tcp.CalculateTcpChecksum():x4}");
                Assert.True(Frames6.UpperLayerChecksumIsValid(frame));
                if (checkedFrames % 50 == 0)
                {
                    // Both checks are live: one bit of the pseudo-header's source address, and they object.
                    frame[14 + 8 + (checkedFrames / 50) % 16] ^= 0x10;
                    Assert.False(Decode(frame).Tcp.ValidTcpChecksum);
                    Assert.False(Frames6.UpperLayerChecksumIsValid(frame));
                }
                checkedFrames++;
            }
        }
        Assert.Equal(5 * 403, checkedFrames);
    }

    /// <summary>The template's bytes are the same for every probe: a frame written over an old one keeps nothing of it.</summary>
    [Fact]
    public void AProbeWrittenOverAnotherKeepsNothingOfIt()
    {
        var t = new Tcp6Template(SrcMac, DstMac, Ipv6.Parse("2001:db8:ff::2"));
        var dirty = Enumerable.Repeat((byte)0xa5, Tcp6Template.FrameLength).ToArray();
        var clean = new byte[Tcp6Template.FrameLength];
        var dst = Ipv6.Parse("2001:db8:1::7");
        Assert.Equal(t.Write(clean, dst, 61000, 443, 12345), t.Write(dirty, dst, 61000, 443, 12345));
        Assert.Equal(clean, dirty);
    }

    /// <summary>--reset over IPv6: a bare RST (no option, window 0) whose sequence number is the SYN-ACK's ack.</summary>
    [Fact]
    public void ResetFramesDecodeAsABareRstWithValidChecksums()
    {
        var rng = new Random(9);
        foreach (var (src, _) in Scans())
        {
            var template = new Tcp6Template(SrcMac, DstMac, src, flags: Tcp6Template.Rst);
            Assert.Equal(74, template.Length);
            foreach (var (dst, sport, dport) in FourTuples(rng))
            {
                uint seq = (uint)rng.NextInt64(1L << 32);
                var frame = new byte[Tcp6Template.FrameLength];
                Assert.Equal(74, template.Write(frame, dst, sport, dport, seq));
                var (_, ip, tcp) = Decode(frame[..74]);
                Assert.Equal((20, ProtocolType.Tcp), ((int)ip.PayloadLength, ip.NextHeader));
                Assert.Equal((src, dst), (Frames6.Address(ip.SourceAddress), Frames6.Address(ip.DestinationAddress)));
                Assert.Equal((sport, dport, seq, 0u), (tcp.SourcePort, tcp.DestinationPort, tcp.SequenceNumber, tcp.AcknowledgmentNumber));
                Assert.Equal(Tcp6Template.Rst, tcp.Flags);
                Assert.Equal((5, 0), (tcp.DataOffset, (int)tcp.WindowSize));
                Assert.True(tcp.ValidTcpChecksum);
                Assert.True(Frames6.UpperLayerChecksumIsValid(frame[..74]));
            }
        }
    }

    /// <summary>The template's other settings (hop limit, window, flow label) reach the wire and keep the checksum right.</summary>
    [Theory]
    [InlineData(1, 0, 0u)]
    [InlineData(255, 65535, 0xfffffu)]
    [InlineData(128, 29200, 0x12345u)]
    public void HopLimitWindowAndFlowLabelDecode(byte hopLimit, ushort window, uint flowLabel)
    {
        var rng = new Random(hopLimit);
        var template = new Tcp6Template(SrcMac, DstMac, Ipv6.Parse("2001:db8:ff::2"), hopLimit, window, flowLabel: flowLabel);
        foreach (var (dst, sport, dport) in FourTuples(rng).Take(50))
        {
            var frame = new byte[Tcp6Template.FrameLength];
            template.Write(frame, dst, sport, dport, (uint)rng.NextInt64(1L << 32));
            var (_, ip, tcp) = Decode(frame);
            Assert.Equal((hopLimit, window, (int)flowLabel, 0), ((byte)ip.HopLimit, tcp.WindowSize, ip.FlowLabel, ip.TrafficClass));
            Assert.True(tcp.ValidTcpChecksum);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new Tcp6Template(SrcMac, DstMac, 1, flowLabel: 0x100000));
    }
}
