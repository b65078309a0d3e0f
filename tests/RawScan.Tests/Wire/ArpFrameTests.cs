using System.Net.NetworkInformation;
using PacketDotNet;
using RawScan.Routing;
using Xunit;

namespace RawScan.Tests;

/// <summary>RawScan's own ARP (resolving the next hop, answering for a spare source) against PacketDotNet's, both ways.</summary>
public class ArpFrameTests
{
    private static readonly byte[] Broadcast = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

    [Fact]
    public void RequestsAndRepliesRawScanWritesDecodeInPacketDotNet()
    {
        var rng = new Random(826);
        for (int i = 0; i < 200; i++)
        {
            byte[] ourMac = new byte[6], theirMac = new byte[6];
            rng.NextBytes(ourMac); rng.NextBytes(theirMac);
            uint ourIp = (uint)rng.NextInt64(1L << 32), theirIp = (uint)rng.NextInt64(1L << 32);
            bool request = i % 2 == 0;
            var f = new byte[Arp.FrameLength];
            Assert.Equal(42, request
                ? Arp.Write(f, Arp.Request, ourMac, ourIp, new byte[6], theirIp, Broadcast)
                : Arp.Write(f, Arp.Reply, ourMac, ourIp, theirMac, theirIp, theirMac));

            var eth = Assert.IsType<EthernetPacket>(Packet.ParsePacket(LinkLayers.Ethernet, f));
            Assert.Equal(EthernetType.Arp, eth.Type);
            Assert.Equal(ourMac, eth.SourceHardwareAddress.GetAddressBytes());
            Assert.Equal(request ? Broadcast : theirMac, eth.DestinationHardwareAddress.GetAddressBytes());
            var arp = Assert.IsType<ArpPacket>(eth.PayloadPacket);
            Assert.Equal(request ? ArpOperation.Request : ArpOperation.Response, arp.Operation);
            Assert.Equal((LinkLayers.Ethernet, EthernetType.IPv4, 6, 4), (arp.HardwareAddressType, arp.ProtocolAddressType, arp.HardwareAddressLength, arp.ProtocolAddressLength));
            Assert.Equal(ourMac, arp.SenderHardwareAddress.GetAddressBytes());
            Assert.Equal(ourIp, FrameDecoder.Address(arp.SenderProtocolAddress));
            Assert.Equal(request ? new byte[6] : theirMac, arp.TargetHardwareAddress.GetAddressBytes());
            Assert.Equal(theirIp, FrameDecoder.Address(arp.TargetProtocolAddress));
        }
    }

    private static byte[] PacketDotNetArp(ArpOperation op, byte[] senderMac, uint senderIp, byte[] targetMac, uint targetIp)
    {
        var eth = new EthernetPacket(new PhysicalAddress(senderMac), new PhysicalAddress(targetMac), EthernetType.Arp)
        {
            PayloadPacket = new ArpPacket(op, new PhysicalAddress(targetMac), Frames.Address(targetIp), new PhysicalAddress(senderMac), Frames.Address(senderIp)),
        };
        return eth.Bytes;
    }

    [Fact]
    public void RepliesPacketDotNetWritesAreReadAndCutOrForeignOnesAreNot()
    {
        byte[] router = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56], us = Frames.ScannerMac;
        uint routerIp = 0xC6130001, ourIp = 0xC6130002;
        var reply = PacketDotNetArp(ArpOperation.Response, router, routerIp, us, ourIp);
        Assert.Equal(Arp.FrameLength, reply.Length);
        Assert.True(RawScan.Receive.Packet.TryParse(reply, out var p));    // the receive loop hands ARP on
        Assert.Equal(0x0806, p.EtherType);
        Assert.True(Arp.TryRead(reply, out ushort op, out var mac, out uint sender, out uint target));
        Assert.Equal((Arp.Reply, routerIp, ourIp), (op, sender, target));
        Assert.Equal(router, mac.ToArray());

        var ask = PacketDotNetArp(ArpOperation.Request, router, routerIp, Broadcast, ourIp);
        Assert.True(Arp.TryRead(ask, out op, out _, out sender, out target));
        Assert.Equal((Arp.Request, routerIp, ourIp), (op, sender, target));

        Assert.False(Arp.TryRead(reply.AsSpan(0, Arp.FrameLength - 1), out _, out _, out _, out _));
        var padded = reply.Concat(new byte[18]).ToArray();                                   // a 60-byte frame, as a NIC pads it
        Assert.True(Arp.TryRead(padded, out _, out _, out sender, out _));
        Assert.Equal(routerIp, sender);

        var eth = (EthernetPacket)Packet.ParsePacket(LinkLayers.Ethernet, (byte[])reply.Clone());
        ((ArpPacket)eth.PayloadPacket).HardwareAddressType = LinkLayers.Ieee80211;             // not Ethernet
        Assert.False(Arp.TryRead(eth.Bytes, out _, out _, out _, out _));
        eth = (EthernetPacket)Packet.ParsePacket(LinkLayers.Ethernet, (byte[])reply.Clone());
        ((ArpPacket)eth.PayloadPacket).ProtocolAddressType = EthernetType.IPv6;                // not IPv4
        Assert.False(Arp.TryRead(eth.Bytes, out _, out _, out _, out _));
    }
}
