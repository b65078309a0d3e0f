using System.Buffers.Binary;
using PacketDotNet;
using PacketDotNet.Ndp;
using RawScan.Lab.Internal;
using RawScan.Routing;
using RawScan.Targets;
using RawScan.Transmit;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// RawScan's own Neighbor Discovery (<see cref="Ndp"/>): the solicitations and advertisements it
/// writes, read by PacketDotNet and checked by the naive checksum; what it reads, and refuses to read
/// (RFC 4861's validity checks); the answer it gives for a spare source; and its capture filters,
/// run by libpcap (tcpdump) over the frames.
/// </summary>
public class NdpFrameTests
{
    private static readonly byte[] OurMac = [0x02, 0, 0, 0, 0, 0x02], TheirMac = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
    private static readonly UInt128 Us = Ipv6.Parse("2001:db8:ff::2"), Them = Ipv6.Parse("2001:db8:ff::1");

    private static UInt128 Random128(Random rng) => new((ulong)rng.NextInt64(), (ulong)rng.NextInt64());

    /// <summary>RFC 4291 2.7.1's example: 4037::01:800:200E:8C6C's solicited-node group is FF02::1:FF0E:8C6C; RFC 2464 7 maps it to 33:33:FF:0E:8C:6C.</summary>
    [Fact]
    public void TheSolicitedNodeGroupAndItsMacAreTheRfcs()
    {
        var group = Ndp.SolicitedNode(Ipv6.Parse("4037::01:800:200E:8C6C"));
        Assert.Equal(Ipv6.Parse("ff02::1:ff0e:8c6c"), group);
        var mac = new byte[6];
        Ndp.MulticastMac(group, mac);
        Assert.Equal(new byte[] { 0x33, 0x33, 0xff, 0x0e, 0x8c, 0x6c }, mac);
        Ndp.MulticastMac(Ndp.AllNodes, mac);
        Assert.Equal(new byte[] { 0x33, 0x33, 0, 0, 0, 1 }, mac);
    }

    private static (EthernetPacket Eth, IPv6Packet Ip, IcmpV6Packet Icmp) Decode(byte[] f)
    {
        var eth = Assert.IsType<EthernetPacket>(Packet.ParsePacket(LinkLayers.Ethernet, f));
        var ip = Assert.IsType<IPv6Packet>(eth.PayloadPacket);
        return (eth, ip, Assert.IsType<IcmpV6Packet>(ip.PayloadPacket));
    }

    [Fact]
    public void SolicitationsDecodeInPacketDotNetWithValidChecksums()
    {
        var rng = new Random(4861);
        for (int i = 0; i < 200; i++)
        {
            var ourMac = new byte[6];
            rng.NextBytes(ourMac);
            UInt128 ourIp = Random128(rng), target = i == 0 ? UInt128.MaxValue >> 8 : Random128(rng) & ~(UInt128.MaxValue << 120);
            var f = new byte[Ndp.FrameLength];
            Assert.Equal(86, Ndp.WriteSolicitation(f, ourMac, ourIp, target));

            var (eth, ip, icmp) = Decode(f);
            var group = Ndp.SolicitedNode(target);
            Assert.Equal(ourMac, eth.SourceHardwareAddress.GetAddressBytes());
            Assert.Equal(new byte[] { 0x33, 0x33, 0xff, (byte)(target >> 16), (byte)(target >> 8), (byte)target }, eth.DestinationHardwareAddress.GetAddressBytes());
            Assert.Equal((EthernetType.IPv6, 255, ProtocolType.IcmpV6, 32), (eth.Type, ip.HopLimit, ip.NextHeader, (int)ip.PayloadLength));
            Assert.Equal((ourIp, group), (Frames6.Address(ip.SourceAddress), Frames6.Address(ip.DestinationAddress)));
            Assert.Equal((IcmpV6Type.NeighborSolicitation, (byte)0), (icmp.Type, icmp.Code));
            Assert.True(icmp.ValidIcmpChecksum, $"ICMPv6 checksum 0x{icmp.Checksum:x4}, PacketDotNet computes 0x{icmp.CalculateIcmpChecksum():x4}");
            Assert.True(Frames6.UpperLayerChecksumIsValid(f));
            var ns = Assert.IsType<NdpNeighborSolicitationPacket>(icmp.PayloadPacket);
            Assert.Equal(target, Frames6.Address(ns.TargetAddress));
            var option = Assert.IsType<NdpLinkLayerAddressOption>(Assert.Single(ns.OptionsCollection));
            Assert.Equal(OptionTypes.SourceLinkLayerAddress, option.Type);
            Assert.Equal(ourMac, option.LinkLayerAddress.GetAddressBytes());
            Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(f.AsSpan(54 + 4)));     // reserved

            Assert.True(Ndp.TryRead(f, out var read));
            Assert.Equal((Ndp.NeighborSolicitation, ourIp, group, target), (read.Type, read.Source, read.Destination, read.Target));
            Assert.Equal(ourMac, read.LinkLayerAddress.ToArray());
        }
    }

    [Fact]
    public void AdvertisementsDecodeInPacketDotNetWithValidChecksums()
    {
        var rng = new Random(136);
        foreach (byte flags in new byte[] { Ndp.SolicitedFlag | Ndp.OverrideFlag, Ndp.OverrideFlag, Ndp.SolicitedFlag, 0, Ndp.RouterFlag | Ndp.SolicitedFlag | Ndp.OverrideFlag })
            for (int i = 0; i < 40; i++)
            {
                byte[] ourMac = new byte[6], toMac = new byte[6];
                rng.NextBytes(ourMac); rng.NextBytes(toMac);
                UInt128 ourIp = Random128(rng) & ~(UInt128.MaxValue << 120), toIp = Random128(rng) & ~(UInt128.MaxValue << 120);
                var f = new byte[Ndp.FrameLength];
                Assert.Equal(86, Ndp.WriteAdvertisement(f, ourMac, ourIp, toMac, toIp, flags));

                var (eth, ip, icmp) = Decode(f);
                Assert.Equal(ourMac, eth.SourceHardwareAddress.GetAddressBytes());
                Assert.Equal(toMac, eth.DestinationHardwareAddress.GetAddressBytes());
                Assert.Equal((255, (ourIp, toIp)), (ip.HopLimit, (Frames6.Address(ip.SourceAddress), Frames6.Address(ip.DestinationAddress))));
                Assert.Equal((IcmpV6Type.NeighborAdvertisement, (byte)0), (icmp.Type, icmp.Code));
                Assert.True(icmp.ValidIcmpChecksum);
                Assert.True(Frames6.UpperLayerChecksumIsValid(f));
                var na = Assert.IsType<NdpNeighborAdvertisementPacket>(icmp.PayloadPacket);
                Assert.Equal(ourIp, Frames6.Address(na.TargetAddress));
                Assert.Equal(((flags & Ndp.RouterFlag) != 0, (flags & Ndp.SolicitedFlag) != 0, (flags & Ndp.OverrideFlag) != 0), (na.Router, na.Solicited, na.Override));
                var option = Assert.IsType<NdpLinkLayerAddressOption>(Assert.Single(na.OptionsCollection));
                Assert.Equal(OptionTypes.TargetLinkLayerAddress, option.Type);
                Assert.Equal(ourMac, option.LinkLayerAddress.GetAddressBytes());

                Assert.True(Ndp.TryRead(f, out var read));
                Assert.Equal((Ndp.NeighborAdvertisement, flags, ourIp, toIp, ourIp), (read.Type, read.Flags, read.Source, read.Destination, read.Target));
                Assert.Equal(ourMac, read.LinkLayerAddress.ToArray());
                Assert.Equal((read.Solicited, read.Override, read.Router), (na.Solicited, na.Override, na.Router));
            }
    }

    /// <summary>The advertisement a router sends back, as bytes with the checksum fixed up by PacketDotNet, with the tweaks each check is about.</summary>
    private static byte[] TheirAdvertisement(Action<byte[]>? tweak = null, bool vlan = false, int extraOptions = 0)
    {
        var f = new byte[Ndp.FrameLength + 8 * extraOptions];
        Ndp.WriteAdvertisement(f, TheirMac, Them, OurMac, Us, Ndp.SolicitedFlag | Ndp.OverrideFlag | Ndp.RouterFlag);
        if (extraOptions > 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(18), (ushort)(32 + 8 * extraOptions));
            for (int i = 0; i < extraOptions; i++) { f[86 + 8 * i] = 5; f[87 + 8 * i] = 1; }  // MTU options: to be skipped
        }
        tweak?.Invoke(f);
        var signed = Resigned(f);                                           // signed after the tweak
        if (!vlan) return signed;
        var g = new byte[signed.Length + 4];
        signed.AsSpan(0, 12).CopyTo(g);
        g[12] = 0x81; g[15] = 9;
        signed.AsSpan(12).CopyTo(g.AsSpan(16));
        return g;
    }

    /// <summary>The frame with its ICMPv6 checksum recomputed by the tests' naive sum, and PacketDotNet agreeing.</summary>
    private static byte[] Resigned(byte[] frame)
    {
        Frames6.SignIcmp6(frame);
        Assert.True(Decode(frame).Icmp.ValidIcmpChecksum);
        return frame;
    }

    [Fact]
    public void AdvertisementsAreReadWithRfc4861sChecks()
    {
        foreach (bool vlan in new[] { false, true })
        {
            Assert.True(Ndp.TryRead(TheirAdvertisement(vlan: vlan), out var na));
            Assert.Equal((Them, Us, Them, true, true, true), (na.Target, na.Destination, na.Source, na.Solicited, na.Override, na.Router));
            Assert.Equal(TheirMac, na.LinkLayerAddress.ToArray());
            Assert.Equal(TheirMac, na.EthernetSource.ToArray());
        }
        Assert.True(Ndp.TryRead(TheirAdvertisement(extraOptions: 2), out var more));
        Assert.Equal(TheirMac, more.LinkLayerAddress.ToArray());
        Assert.True(Ndp.TryRead(TheirAdvertisement().Concat(new byte[20]).ToArray(), out _));            // bytes after the datagram

        var good = TheirAdvertisement();
        var bad = (byte[])good.Clone();
        bad[54 + 2] ^= 1;                                                                                // checksum
        Assert.False(Ndp.TryRead(bad, out _));
        Assert.False(Ndp.TryRead(TheirAdvertisement(f => f[21] = 254), out _));                         // hop limit: crossed a router
        Assert.False(Ndp.TryRead(TheirAdvertisement(f => f[55] = 1), out _));                           // code
        Assert.False(Ndp.TryRead(TheirAdvertisement(f => f[62] = 0xff), out _));                        // multicast target
        Assert.False(Ndp.TryRead(TheirAdvertisement(f => f[79] = 0), out _));                           // option of length 0
        Assert.False(Ndp.TryRead(TheirAdvertisement(f => f[79] = 2), out _));                           // option past the end
        Assert.False(Ndp.TryRead(TheirAdvertisement(f => Ipv6.WriteBytes(Ndp.AllNodes, f.AsSpan(38))), out _)); // solicited, to a group
        Assert.True(Ndp.TryRead(TheirAdvertisement(f => { Ipv6.WriteBytes(Ndp.AllNodes, f.AsSpan(38)); f[58] = Ndp.OverrideFlag; }), out var unsolicited));
        Assert.False(unsolicited.Solicited);
        Assert.True(Ndp.TryRead(TheirAdvertisement(f => { f[78] = 1; }), out var noTarget));              // a source option instead: no target address
        Assert.True(noTarget.LinkLayerAddress.IsEmpty);
        Assert.False(Ndp.TryRead(TheirAdvertisement(f => f[54] = 134), out _));                         // a router advertisement
        for (int n = 0; n < good.Length; n++) Assert.False(Ndp.TryRead(good.AsSpan(0, n), out _));
        Assert.False(Ndp.TryRead(Frames6.Tcp(Them, Us, 80, 61000, 1, 1, 0x12), out _));
        Assert.False(Ndp.TryRead(Frames.Tcp(1, 2, 80, 61000, 1, 1, 0x12), out _));
    }

    /// <summary>A neighbour asking for our spare source gets a solicited, overriding advertisement at the MAC it gave, or else the one it sent from.</summary>
    [Fact]
    public void ASolicitationForOurSpareSourceIsAnswered()
    {
        var reply = new byte[Ndp.FrameLength];
        var ask = new byte[Ndp.FrameLength];
        Ndp.WriteSolicitation(ask, TheirMac, Them, Us);
        Assert.Equal(Ndp.FrameLength, Ndp.Answer(ask, OurMac, Us, reply));
        var (eth, ip, icmp) = Decode(reply);
        Assert.Equal(TheirMac, eth.DestinationHardwareAddress.GetAddressBytes());
        Assert.Equal(OurMac, eth.SourceHardwareAddress.GetAddressBytes());
        Assert.Equal((Us, Them), (Frames6.Address(ip.SourceAddress), Frames6.Address(ip.DestinationAddress)));
        var na = Assert.IsType<NdpNeighborAdvertisementPacket>(icmp.PayloadPacket);
        Assert.Equal((Us, false, true, true), (Frames6.Address(na.TargetAddress), na.Router, na.Solicited, na.Override));
        Assert.True(icmp.ValidIcmpChecksum);

        // A reachability probe: unicast to us, without a source option; the answer goes to the frame's source.
        var probe = (byte[])ask.Clone();
        OurMac.CopyTo(probe, 0);
        Ipv6.WriteBytes(Us, probe.AsSpan(38));
        BinaryPrimitives.WriteUInt16BigEndian(probe.AsSpan(18), 24);
        probe = Resigned(probe[..78]);
        Assert.Equal(Ndp.FrameLength, Ndp.Answer(probe, OurMac, Us, reply));
        Assert.Equal(TheirMac, reply[..6]);

        Assert.Equal(0, Ndp.Answer(ask, OurMac, Us + 1, reply));                          // for another address
        Ndp.WriteSolicitation(ask, TheirMac, 0, Us);
        var dad = (byte[])ask.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(dad.AsSpan(18), 24);                         // DAD: from ::, no source option
        dad = Resigned(dad[..78]);
        Assert.True(Ndp.TryRead(dad, out var dadRead));
        Assert.Equal((UInt128)0, dadRead.Source);
        Assert.Equal(0, Ndp.Answer(dad, OurMac, Us, reply));                               // not defended
        Assert.False(Ndp.TryRead(ask, out _));                                             // from :: with a source option: invalid
        Assert.Equal(0, Ndp.Answer(TheirAdvertisement(), OurMac, Us, reply));
    }

    /// <summary>libpcap (tcpdump -r) runs the filters over a file of frames: each keeps exactly its own.</summary>
    [Fact]
    public void TheCaptureFiltersKeepWhatTheyAreFor()
    {
        var frames = new List<byte[]>();
        var f = new byte[Ndp.FrameLength];
        Ndp.WriteSolicitation(f, TheirMac, Them, Us); frames.Add((byte[])f.Clone());        // asks for us: answer
        Ndp.WriteSolicitation(f, TheirMac, Them, Us + 1); frames.Add((byte[])f.Clone());    // asks for another
        Ndp.WriteAdvertisement(f, TheirMac, Them, OurMac, Us, Ndp.SolicitedFlag); frames.Add((byte[])f.Clone()); // the router answers
        Ndp.WriteAdvertisement(f, TheirMac, Them + 1, OurMac, Us, Ndp.SolicitedFlag); frames.Add((byte[])f.Clone());
        frames.Add(Frames6.Tcp(Them, Us, 80, 61000, 1, 1, 0x12));

        Assert.Equal([0], Bpf.Keeps(frames, Ndp.SolicitationFilter(Us)));
        Assert.Equal([2], Bpf.Keeps(frames, Ndp.AdvertisementFilter(Them)));
    }
}
