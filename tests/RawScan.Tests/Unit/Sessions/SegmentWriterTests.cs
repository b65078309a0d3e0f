using PacketDotNet;
using RawScan.Sessions;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>The banner connections' segments, read by PacketDotNet: headers, flags, data and both checksums.</summary>
public class SegmentWriterTests
{
    private static readonly uint Me = V4("198.19.0.2"), Target = V4("198.18.0.7");
    private static readonly UInt128 Me6 = V6("2001:db8:ff::2"), Target6 = V6("2001:db8:1::105");

    private static uint V4(string s) => Ipv4.TryParse(s, out uint a) ? a : throw new ArgumentException(s);
    private static UInt128 V6(string s) => Ipv6.TryParse(s, out UInt128 a) ? a : throw new ArgumentException(s);

    [Theory]
    [InlineData(SegmentWriter.Flags.Ack, 0)]
    [InlineData(SegmentWriter.Flags.Ack | SegmentWriter.Flags.Psh, 37)]
    [InlineData(SegmentWriter.Flags.Rst, 0)]
    public void Ipv4SegmentsDecodeWithGoodChecksums(byte flags, int dataLength)
    {
        var w = new SegmentWriter(Frames.ScannerMac, Frames.TargetMac, Me);
        var frame = new byte[1600];
        var data = Enumerable.Range(0, dataLength).Select(i => (byte)('a' + i % 26)).ToArray();
        data.CopyTo(frame, SegmentWriter.DataOffset(Ip.V4(Target)));
        int n = w.Write(frame, Ip.V4(Target), 61234, 80, 0x01020304, 0xA0B0C0D0, flags, dataLength);
        var (eth, ip, tcp) = FrameDecoder.Ipv4<TcpPacket>(frame[..n]);
        Assert.Equal(Frames.TargetMac, eth.DestinationHardwareAddress.GetAddressBytes());
        Assert.Equal(Me, FrameDecoder.Address(ip.SourceAddress));
        Assert.Equal(Target, FrameDecoder.Address(ip.DestinationAddress));
        Assert.Equal(20 + 20 + dataLength, ip.TotalLength);
        Assert.True(tcp.ValidTcpChecksum);
        Assert.Equal((ushort)61234, tcp.SourcePort);
        Assert.Equal((ushort)80, tcp.DestinationPort);
        Assert.Equal(0x01020304u, tcp.SequenceNumber);
        Assert.Equal(0xA0B0C0D0u, tcp.AcknowledgmentNumber);
        Assert.Equal(flags, (byte)tcp.Flags);
        Assert.Equal(data, tcp.PayloadData ?? []);
    }

    [Fact]
    public void Ipv6SegmentsDecodeWithAGoodChecksum()
    {
        var w = new SegmentWriter(Frames.ScannerMac, Frames.TargetMac, 0, Frames.TargetMac, Me6);
        var frame = new byte[1600];
        var data = "GET / HTTP/1.1\r\n\r\n"u8.ToArray();
        data.CopyTo(frame, SegmentWriter.DataOffset(Target6));
        int n = w.Write(frame, Target6, 61234, 80, 7, 9, SegmentWriter.Flags.Ack | SegmentWriter.Flags.Psh, data.Length);
        var eth = Assert.IsType<EthernetPacket>(Packet.ParsePacket(LinkLayers.Ethernet, frame[..n]));
        var ip = Assert.IsType<IPv6Packet>(eth.PayloadPacket);
        var tcp = Assert.IsType<TcpPacket>(ip.PayloadPacket);
        Assert.Equal(V6("2001:db8:ff::2"), V6(ip.SourceAddress.ToString()));
        Assert.True(tcp.ValidTcpChecksum);
        Assert.Equal(data, tcp.PayloadData);
    }
}
