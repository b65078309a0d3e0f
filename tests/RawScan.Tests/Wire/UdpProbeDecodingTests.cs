using PacketDotNet;
using RawScan.Probes;
using RawScan.Probes.Udp;
using RawScan.Results;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// The UDP probes RawScan writes, every built-in protocol probe and simple-service line included,
/// read back by PacketDotNet: Ethernet/IPv4/UDP fields, the lengths at each layer, the payload the
/// port's probe writes for the cookie, and both checksums, over random scan keys and four-tuples.
/// What the payloads mean to each protocol is tshark's part (UdpPayloadTests).
/// </summary>
public class UdpProbeDecodingTests
{
    private static readonly byte[] SrcMac = [0x02, 0x42, 0xac, 0x11, 0x00, 0x02], DstMac = [0x0a, 0xbc, 0xde, 0xf0, 0x12, 0x34];
    private static readonly IUdpProbe Longest = new UserPayloadProbe(Enumerable.Range(0, UdpTemplate.MaxPayload).Select(i => (byte)(i * 7)).ToArray());
    private static readonly UdpPayloadTable Table = UdpPayloadTable.Default.With([(9999, Longest)]);

    /// <summary>Every built-in probe on its port, the simple services, an empty datagram (40000) and the longest user payload (9999).</summary>
    public static TheoryData<ushort> Ports() =>
        [.. UdpPayloadTable.BuiltIn.Select(b => b.Port), .. UdpPayloadTable.Simple.Select(s => s.Port), 40000, 9999];

    [Theory, MemberData(nameof(Ports))]
    public void ProbesDecodeWithTheirPayloadLengthsAndValidChecksums(ushort port)
    {
        var rng = new Random(port);
        var probe = Table.For(port);
        var payload = new byte[UdpTemplate.MaxPayload];
        for (int scan = 0; scan < 4; scan++)
        {
            uint src = scan == 0 ? 0xC6130002u : (uint)rng.NextInt64(1L << 32);
            var cookie = new SynCookie((ulong)rng.NextInt64(), (ulong)rng.NextInt64());
            var probes = new ProbeBuilder(new TcpTemplate(SrcMac, DstMac, src), cookie, new UdpTemplate(SrcMac, DstMac, src), Table);
            for (int i = 0; i < 150; i++)
            {
                uint dst = (uint)rng.NextInt64(1L << 32);
                ushort sport = (ushort)rng.Next(65536);
                uint c = cookie.Compute(src, dst, sport, port, 17);
                var expected = payload.AsSpan(0, probe.Write(payload, c)).ToArray();
                var frame = new byte[UdpTemplate.HeaderLength + UdpTemplate.MaxPayload];
                int n = probes.Write(frame, dst, sport, port, Protocol.Udp);
                Assert.Equal(UdpTemplate.HeaderLength + expected.Length, n);
                var (eth, ip, udp) = FrameDecoder.Ipv4<UdpPacket>(frame[..n]);

                Assert.Equal(SrcMac, eth.SourceHardwareAddress.GetAddressBytes());
                Assert.Equal(DstMac, eth.DestinationHardwareAddress.GetAddressBytes());
                Assert.Equal(EthernetType.IPv4, eth.Type);
                Assert.Equal((IPVersion.IPv4, 5, 28 + expected.Length), (ip.Version, ip.HeaderLength, ip.TotalLength));
                Assert.Equal(((ushort)(c >> 16), 0, 0, 64, ProtocolType.Udp), (ip.Id, ip.FragmentFlags, ip.FragmentOffset, ip.TimeToLive, ip.Protocol));
                Assert.Equal((src, dst), (FrameDecoder.Address(ip.SourceAddress), FrameDecoder.Address(ip.DestinationAddress)));

                Assert.Equal((sport, port, 8 + expected.Length), (udp.SourcePort, udp.DestinationPort, udp.Length));
                Assert.Equal(expected, udp.PayloadData ?? []);
                Assert.NotEqual(0, udp.Checksum);                                  // 0 would tell the target "no checksum"
                Assert.True(udp.ValidUdpChecksum, $"UDP checksum 0x{udp.Checksum:x4}, PacketDotNet computes 0x{udp.CalculateUdpChecksum():x4}");
            }
        }
    }

    /// <summary>
    /// A datagram whose checksum computes to 0 goes out as 0xffff (RFC 768: 0 means "no checksum").
    /// PacketDotNet computes the sum of a probe, and the payload's last word is set to it, which
    /// makes the sum of the whole come to zero; PacketDotNet confirms that before RawScan writes it.
    /// </summary>
    [Fact]
    public void AChecksumThatComputesToZeroIsSentAsAllOnes()
    {
        const uint Src = 0xC6130002, Dst = 0xC6120007;
        var body = "zero sum!"u8.ToArray().Concat(new byte[3]).ToArray();           // even length: the last two bytes are one word
        var udp = new UdpTemplate(SrcMac, DstMac, Src);
        var frame = new byte[UdpTemplate.HeaderLength + body.Length];
        udp.Write(frame, Dst, 61000, 9, 1, new UserPayloadProbe(body), 0);
        ushort sum = FrameDecoder.Ipv4<UdpPacket>(frame).Transport.CalculateUdpChecksum();
        body[^2] = (byte)(sum >> 8); body[^1] = (byte)sum;

        udp.Write(frame, Dst, 61000, 9, 1, new UserPayloadProbe(body), 0);
        var decoded = FrameDecoder.Ipv4<UdpPacket>(frame).Transport;
        Assert.Equal(0, decoded.CalculateUdpChecksum());
        Assert.Equal(0xffff, decoded.Checksum);
        Assert.True(decoded.ValidUdpChecksum);
    }
}
