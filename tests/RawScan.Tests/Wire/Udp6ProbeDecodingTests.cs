using PacketDotNet;
using RawScan.Probes;
using RawScan.Probes.Udp;
using RawScan.Results;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// The IPv6 UDP probes, every built-in protocol probe and simple-service line included, read back by
/// PacketDotNet and the naive checksum: Ethernet/IPv6/UDP fields, the payload length at both layers,
/// the payload the port's probe writes for the IPv6 cookie, and the checksum over the IPv6
/// pseudo-header, never zero. Random keys, sources and four-tuples.
/// </summary>
public class Udp6ProbeDecodingTests
{
    private static readonly byte[] SrcMac = [0x02, 0x42, 0xac, 0x11, 0x00, 0x02], DstMac = [0x0a, 0xbc, 0xde, 0xf0, 0x12, 0x34];
    private static readonly IUdpProbe Longest = new UserPayloadProbe(Enumerable.Range(0, Udp6Template.MaxPayload).Select(i => (byte)(i * 7)).ToArray());
    private static readonly UdpPayloadTable Table = UdpPayloadTable.Default.With([(9999, Longest)]);

    public static TheoryData<ushort> Ports() =>
        [.. UdpPayloadTable.BuiltIn.Select(b => b.Port), .. UdpPayloadTable.Simple.Select(s => s.Port), 40000, 9999];

    private static UInt128 Random128(Random rng) => new((ulong)rng.NextInt64() << 1 ^ (ulong)rng.Next(2), (ulong)rng.NextInt64() << 1 ^ (ulong)rng.Next(2));

    [Theory, MemberData(nameof(Ports))]
    public void ProbesDecodeWithTheirPayloadLengthsAndValidChecksums(ushort port)
    {
        var rng = new Random(port);
        var probe = Table.For(port);
        var payload = new byte[Udp6Template.MaxPayload];
        for (int scan = 0; scan < 4; scan++)
        {
            var src = scan == 0 ? Ipv6.Parse("2001:db8:ff::2") : Random128(rng);
            var cookie = new SynCookie((ulong)rng.NextInt64(), (ulong)rng.NextInt64());
            var probes = new ProbeBuilder6(new Tcp6Template(SrcMac, DstMac, src), cookie, new Udp6Template(SrcMac, DstMac, src), Table);
            for (int i = 0; i < 100; i++)
            {
                var dst = i == 0 ? UInt128.MaxValue : Random128(rng);
                ushort sport = (ushort)rng.Next(65536);
                uint c = cookie.Compute(src, dst, sport, port, 17);
                var expected = payload.AsSpan(0, probe.Write(payload, c)).ToArray();
                var frame = new byte[Udp6Template.HeaderLength + Udp6Template.MaxPayload];
                int n = probes.Write(frame, dst, sport, port, Protocol.Udp);
                Assert.Equal(Udp6Template.HeaderLength + expected.Length, n);
                Assert.True(n <= 1514, "one Ethernet frame");

                var eth = Assert.IsType<EthernetPacket>(Packet.ParsePacket(LinkLayers.Ethernet, frame[..n]));
                Assert.Equal(SrcMac, eth.SourceHardwareAddress.GetAddressBytes());
                Assert.Equal(DstMac, eth.DestinationHardwareAddress.GetAddressBytes());
                Assert.Equal(EthernetType.IPv6, eth.Type);
                var ip = Assert.IsType<IPv6Packet>(eth.PayloadPacket);
                Assert.Equal((IPVersion.IPv6, 8 + expected.Length, ProtocolType.Udp, 64), (ip.Version, (int)ip.PayloadLength, ip.NextHeader, ip.HopLimit));
                Assert.Equal((src, dst), (Frames6.Address(ip.SourceAddress), Frames6.Address(ip.DestinationAddress)));
                var udp = Assert.IsType<UdpPacket>(ip.PayloadPacket);
                Assert.Equal((sport, port, 8 + expected.Length), (udp.SourcePort, udp.DestinationPort, udp.Length));
                Assert.Equal(expected, udp.PayloadData ?? []);
                Assert.NotEqual(0, udp.Checksum);                                  // over IPv6, 0 is not allowed at all
                Assert.True(udp.ValidUdpChecksum, $"UDP checksum 0x{udp.Checksum:x4}, PacketDotNet computes 0x{udp.CalculateUdpChecksum():x4}");
                Assert.True(Frames6.UpperLayerChecksumIsValid(frame[..n]));
            }
        }
    }

    /// <summary>The batch's stride: the longest frame a scan's probes can be, the 1452-byte user payload making a full 1514-byte frame.</summary>
    [Fact]
    public void TheLongestFrameIsAFullEthernetFrame()
    {
        var src = Ipv6.Parse("2001:db8:ff::2");
        var probes = new ProbeBuilder6(new Tcp6Template(SrcMac, DstMac, src), new SynCookie(1, 2), new Udp6Template(SrcMac, DstMac, src), Table);
        Assert.Equal(Tcp6Template.FrameLength, probes.MaxFrameLength(ScanTypes.Tcp, []));
        Assert.Equal(1514, probes.MaxFrameLength(ScanTypes.Tcp | ScanTypes.Udp, [53, 9999]));
        Assert.Equal(Udp6Template.HeaderLength + Table.For(53).Write(new byte[512], 0), probes.MaxFrameLength(ScanTypes.Udp, [53]));
    }

    /// <summary>
    /// A datagram whose checksum computes to 0 goes out as 0xffff (RFC 8200 8.1: an IPv6 receiver
    /// discards a zero checksum). The payload's last word is set to the sum PacketDotNet computes for
    /// the datagram, which makes the whole come to zero; PacketDotNet confirms that.
    /// </summary>
    [Fact]
    public void AChecksumThatComputesToZeroIsSentAsAllOnes()
    {
        UInt128 src = Ipv6.Parse("2001:db8:ff::2"), dst = Ipv6.Parse("2001:db8:1::7");
        var body = "zero sum!"u8.ToArray().Concat(new byte[3]).ToArray();
        var udp = new Udp6Template(SrcMac, DstMac, src);
        var frame = new byte[Udp6Template.HeaderLength + body.Length];
        udp.Write(frame, dst, 61000, 9, new UserPayloadProbe(body), 0);
        ushort sum = ((UdpPacket)Packet.ParsePacket(LinkLayers.Ethernet, frame).PayloadPacket.PayloadPacket).CalculateUdpChecksum();
        body[^2] = (byte)(sum >> 8); body[^1] = (byte)sum;

        udp.Write(frame, dst, 61000, 9, new UserPayloadProbe(body), 0);
        var decoded = (UdpPacket)Packet.ParsePacket(LinkLayers.Ethernet, frame).PayloadPacket.PayloadPacket;
        Assert.Equal(0, decoded.CalculateUdpChecksum());
        Assert.Equal(0xffff, decoded.Checksum);
        Assert.True(decoded.ValidUdpChecksum);
        Assert.True(Frames6.UpperLayerChecksumIsValid(frame));
    }
}
