using PacketDotNet;
using PacketDotNet.Tcp;
using RawScan.Probes;
using RawScan.Results;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// The SYN probes and --reset's RSTs that RawScan's TCP template writes, read back by PacketDotNet
/// (a decoder and checksum that share nothing with the template's RFC 1624 patching), over random
/// scan keys, sources, four-tuples and cookies, plus the all-zero and all-one edges of the fields
/// the patch touches.
/// </summary>
public class TcpProbeDecodingTests
{
    private static readonly byte[] SrcMac = [0x02, 0x42, 0xac, 0x11, 0x00, 0x02], DstMac = [0x0a, 0xbc, 0xde, 0xf0, 0x12, 0x34];

    /// <summary>Scan-wide settings: a source address (edges included) and the SYN cookie's key.</summary>
    private static IEnumerable<(uint Src, SynCookie Cookie)> Scans()
    {
        var rng = new Random(1461);
        foreach (uint src in new[] { 0xC6130002u, 0u, 0xffffffffu, (uint)rng.NextInt64(1L << 32), (uint)rng.NextInt64(1L << 32) })
            yield return (src, new SynCookie((ulong)rng.NextInt64(), (ulong)rng.NextInt64()));
    }

    private static IEnumerable<(uint Dst, ushort Sport, ushort Dport)> FourTuples(Random rng)
    {
        yield return (0, 0, 0);
        yield return (0xffffffff, 65535, 65535);
        for (int i = 0; i < 400; i++)
            yield return ((uint)rng.NextInt64(1L << 32), (ushort)rng.Next(65536), (ushort)rng.Next(65536));
    }

    [Fact]
    public void SynProbesDecodeWithTheCookieTheMssOptionAndValidChecksums()
    {
        var rng = new Random(7);
        int checkedFrames = 0;
        foreach (var (src, cookie) in Scans())
        {
            var probes = new ProbeBuilder(new TcpTemplate(SrcMac, DstMac, src), cookie);
            foreach (var (dst, sport, dport) in FourTuples(rng))
            {
                var frame = new byte[TcpTemplate.FrameLength];
                Assert.Equal(TcpTemplate.FrameLength, probes.Write(frame, dst, sport, dport, Protocol.Tcp));
                uint seq = cookie.Compute(src, dst, sport, dport);
                var (eth, ip, tcp) = FrameDecoder.Ipv4<TcpPacket>(frame);

                Assert.Equal(SrcMac, eth.SourceHardwareAddress.GetAddressBytes());
                Assert.Equal(DstMac, eth.DestinationHardwareAddress.GetAddressBytes());
                Assert.Equal(EthernetType.IPv4, eth.Type);

                Assert.Equal(IPVersion.IPv4, ip.Version);
                Assert.Equal(5, ip.HeaderLength);
                Assert.Equal(44, ip.TotalLength);
                Assert.Equal((ushort)(seq >> 16), ip.Id);
                Assert.Equal((0, 0), (ip.FragmentFlags, ip.FragmentOffset));
                Assert.Equal(64, ip.TimeToLive);
                Assert.Equal(ProtocolType.Tcp, ip.Protocol);
                Assert.Equal((src, dst), (FrameDecoder.Address(ip.SourceAddress), FrameDecoder.Address(ip.DestinationAddress)));

                Assert.Equal((sport, dport), (tcp.SourcePort, tcp.DestinationPort));
                Assert.Equal(seq, tcp.SequenceNumber);
                Assert.Equal(0u, tcp.AcknowledgmentNumber);
                Assert.Equal(TcpTemplate.Syn, tcp.Flags);                         // SYN alone: no ACK, ECN or other bits
                Assert.Equal(6, tcp.DataOffset);                                  // 24 bytes: one 4-byte option
                Assert.Equal(1024, tcp.WindowSize);
                Assert.Equal(0, tcp.UrgentPointer);
                var mss = Assert.IsType<MaximumSegmentSizeOption>(Assert.Single(tcp.OptionsCollection));
                Assert.Equal((OptionTypes.MaximumSegmentSize, 4, 1460), (mss.Kind, mss.Length, mss.Value));
                Assert.Empty(tcp.PayloadData ?? []);
                Assert.True(tcp.ValidTcpChecksum, $"TCP checksum 0x{tcp.Checksum:x4}, PacketDotNet computes 0x{tcp.CalculateTcpChecksum():x4}");
                Assert.Equal(tcp.CalculateTcpChecksum(), tcp.Checksum);
                if (checkedFrames % 100 == 0)
                {
                    // The check is live: one bit changed in the pseudo-header's source address, and PacketDotNet objects.
                    frame[26] ^= 0x10;
                    Assert.False(FrameDecoder.Ipv4WithoutCheck<TcpPacket>(frame).Transport.ValidTcpChecksum);
                }
                checkedFrames++;
            }
        }
        Assert.Equal(5 * 402, checkedFrames);
    }

    /// <summary>--reset answers a SYN-ACK with a RST whose sequence number is the SYN-ACK's ack (RFC 793), no option, no window.</summary>
    [Fact]
    public void ResetFramesDecodeAsABareRstWithValidChecksums()
    {
        var rng = new Random(8);
        foreach (var (src, _) in Scans())
        {
            var template = new TcpTemplate(SrcMac, DstMac, src, flags: TcpTemplate.Rst);
            foreach (var (dst, sport, dport) in FourTuples(rng))
            {
                uint seq = (uint)rng.NextInt64(1L << 32);
                ushort id = (ushort)rng.Next(65536);
                var frame = new byte[TcpTemplate.FrameLength];
                Assert.Equal(54, template.Write(frame, dst, sport, dport, seq, id));
                var (_, ip, tcp) = FrameDecoder.Ipv4<TcpPacket>(frame[..54]);
                Assert.Equal((5, 40, id, ProtocolType.Tcp), (ip.HeaderLength, ip.TotalLength, ip.Id, ip.Protocol));
                Assert.Equal((src, dst), (FrameDecoder.Address(ip.SourceAddress), FrameDecoder.Address(ip.DestinationAddress)));
                Assert.Equal((sport, dport, seq, 0u), (tcp.SourcePort, tcp.DestinationPort, tcp.SequenceNumber, tcp.AcknowledgmentNumber));
                Assert.Equal(TcpTemplate.Rst, tcp.Flags);
                Assert.Equal((5, 0), (tcp.DataOffset, (int)tcp.WindowSize));
                Assert.Empty(tcp.Options);                                     // (OptionsCollection is null when there are none)
                Assert.True(tcp.ValidTcpChecksum, $"TCP checksum 0x{tcp.Checksum:x4}, PacketDotNet computes 0x{tcp.CalculateTcpChecksum():x4}");
            }
        }
    }

    /// <summary>The template's other settings (TTL, window) reach the wire and keep the checksums right.</summary>
    [Theory]
    [InlineData(1, 0)]
    [InlineData(255, 65535)]
    [InlineData(128, 29200)]
    public void TemplateTtlAndWindowDecode(byte ttl, ushort window)
    {
        var rng = new Random(ttl);
        var template = new TcpTemplate(SrcMac, DstMac, 0xC6130002, ttl, window);
        foreach (var (dst, sport, dport) in FourTuples(rng).Take(50))
        {
            var frame = new byte[TcpTemplate.FrameLength];
            template.Write(frame, dst, sport, dport, (uint)rng.NextInt64(1L << 32), (ushort)rng.Next(65536));
            var (_, ip, tcp) = FrameDecoder.Ipv4<TcpPacket>(frame);
            Assert.Equal((ttl, window), ((byte)ip.TimeToLive, tcp.WindowSize));
            Assert.True(tcp.ValidTcpChecksum);
        }
    }
}
