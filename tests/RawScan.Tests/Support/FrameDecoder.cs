using System.Buffers.Binary;
using System.Net;
using PacketDotNet;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// PacketDotNet's reading of a frame, in process: a decoder that shares no code with RawScan's
/// templates or its <c>Checksum</c>. Fails the test unless the frame is Ethernet + IPv4 + the
/// expected transport (under one 802.1Q tag or none), with an IPv4 header checksum PacketDotNet accepts.
/// </summary>
internal static class FrameDecoder
{
    public static (EthernetPacket Ethernet, IPv4Packet Ip, T Transport) Ipv4<T>(byte[] frame) where T : Packet
    {
        var d = Ipv4WithoutCheck<T>(frame);
        Assert.True(d.Ip.ValidIPChecksum, $"IPv4 header checksum 0x{d.Ip.Checksum:x4} is wrong: PacketDotNet computes 0x{d.Ip.CalculateIPChecksum():x4}");
        return d;
    }

    /// <summary>The same reading for a frame whose IPv4 checksum the test itself has spoilt.</summary>
    public static (EthernetPacket Ethernet, IPv4Packet Ip, T Transport) Ipv4WithoutCheck<T>(byte[] frame) where T : Packet
    {
        var eth = Assert.IsType<EthernetPacket>(Packet.ParsePacket(LinkLayers.Ethernet, frame));
        var ip = Assert.IsType<IPv4Packet>(eth.Type == EthernetType.VLanTaggedFrame ? eth.PayloadPacket.PayloadPacket : eth.PayloadPacket);
        return (eth, ip, Assert.IsType<T>(ip.PayloadPacket));
    }

    public static uint Address(IPAddress a) => BinaryPrimitives.ReadUInt32BigEndian(a.GetAddressBytes());
}
