using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using PacketDotNet;
using PacketDotNet.Utils;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// <see cref="Frames"/> for IPv6: the frames a target (or a router on the way) sends back to an IPv6
/// probe, built with PacketDotNet, whose encoder computes lengths and checksums over the IPv6
/// pseudo-header, so the receive path is never checked against RawScan's own <c>Checksum</c>. A VLAN
/// tag and a hop-by-hop extension header are spliced into PacketDotNet's bytes afterwards (neither
/// changes the upper-layer checksum: RFC 8200 8.1 sums the upper-layer length, not the IPv6 payload
/// length). <see cref="UpperLayerChecksumIsValid"/> is a third, deliberately naive, checksum. ICMPv6
/// errors are signed by that naive sum and checked by PacketDotNet's reading: PacketDotNet 1.4.8
/// signs an ICMPv6 packet it builds over its 4-byte header alone (neither the message body nor the
/// length enter its pseudo-header), while it checks a parsed one correctly.
/// </summary>
internal static class Frames6
{
    public static byte[] Tcp(UInt128 src, UInt128 dst, ushort sport, ushort dport, uint seq, uint ack, byte flags,
        bool vlan = false, bool hopByHop = false, byte hopLimit = 64)
    {
        var tcp = new TcpPacket(sport, dport) { SequenceNumber = seq, AcknowledgmentNumber = ack, Flags = flags, WindowSize = 65535 };
        var ip = Ipv6(src, dst, hopLimit, tcp);
        tcp.UpdateTcpChecksum();
        Assert.True(UpperLayerChecksumIsValid(Finish(ip, false, false)));
        return Finish(ip, vlan, hopByHop);
    }

    public static byte[] Udp(UInt128 src, UInt128 dst, ushort sport, ushort dport, byte[] payload, bool vlan = false, bool hopByHop = false)
    {
        var udp = new UdpPacket(sport, dport) { PayloadData = payload };
        var ip = Ipv6(src, dst, 64, udp);
        udp.UpdateCalculatedValues();
        udp.UpdateUdpChecksum();
        Assert.True(UpperLayerChecksumIsValid(Finish(ip, false, false)));
        return Finish(ip, vlan, hopByHop);
    }

    /// <summary>An ICMPv6 error (destination unreachable unless <paramref name="type"/> says otherwise) quoting <paramref name="quoted"/> (RFC 4443: as much of the invoking packet as fits).</summary>
    public static byte[] IcmpError(UInt128 src, UInt128 dst, byte code, byte[] quoted, byte type = 1, bool vlan = false, byte hopLimit = 64)
    {
        var bytes = new byte[8 + quoted.Length];
        bytes[0] = type;
        bytes[1] = code;
        quoted.CopyTo(bytes, 8);
        var icmp = new IcmpV6Packet(new ByteArraySegment(bytes));
        var f = SignIcmp6(Finish(Ipv6(src, dst, hopLimit, icmp), false, false));
        var parsed = (IcmpV6Packet)Packet.ParsePacket(LinkLayers.Ethernet, f).PayloadPacket.PayloadPacket;
        Assert.True(parsed.ValidIcmpChecksum);                              // PacketDotNet, reading the frame, agrees
        return vlan ? Vlan(f) : f;
    }

    /// <summary>What an ICMPv6 error quotes of a frame we sent (Ethernet, then IPv6 without extension headers): the IPv6 header and the first <paramref name="transportBytes"/> bytes after it.</summary>
    public static byte[] Quote(byte[] frame, int transportBytes = int.MaxValue)
    {
        int payload = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(18));
        return frame.AsSpan(14, 40 + Math.Min(payload, transportBytes)).ToArray();
    }

    /// <summary>The same quote with a hop-by-hop header spliced in after the quoted IPv6 header.</summary>
    public static byte[] WithHopByHop(byte[] quote)
    {
        var q = new byte[quote.Length + 8];
        quote.AsSpan(0, 40).CopyTo(q);
        HopByHop(quote[6]).CopyTo(q, 40);
        quote.AsSpan(40).CopyTo(q.AsSpan(48));
        q[6] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(q.AsSpan(4), (ushort)(BinaryPrimitives.ReadUInt16BigEndian(quote.AsSpan(4)) + 8));
        return q;
    }

    private static IPv6Packet Ipv6(UInt128 src, UInt128 dst, byte hopLimit, Packet payload)
    {
        var ip = new IPv6Packet(Address(src), Address(dst)) { HopLimit = hopLimit };
        ip.PayloadPacket = payload;
        return ip;
    }

    private static byte[] Finish(IPv6Packet ip, bool vlan, bool hopByHop)
    {
        ip.UpdateCalculatedValues();
        var eth = new EthernetPacket(new PhysicalAddress(Frames.TargetMac), new PhysicalAddress(Frames.ScannerMac), EthernetType.IPv6) { PayloadPacket = ip };
        var f = eth.Bytes;
        if (hopByHop)
        {
            var g = new byte[f.Length + 8];
            f.AsSpan(0, 54).CopyTo(g);
            HopByHop(f[20]).CopyTo(g, 54);
            f.AsSpan(54).CopyTo(g.AsSpan(62));
            g[20] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(g.AsSpan(18), (ushort)(BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(18)) + 8));
            f = g;
        }
        return vlan ? Vlan(f) : f;
    }

    /// <summary>The frame under an 802.1Q tag (VLAN 7).</summary>
    public static byte[] Vlan(byte[] f)
    {
        var g = new byte[f.Length + 4];
        f.AsSpan(0, 12).CopyTo(g);
        g[12] = 0x81; g[13] = 0x00; g[14] = 0x00; g[15] = 7;
        f.AsSpan(12).CopyTo(g.AsSpan(16));
        return g;
    }

    /// <summary>A hop-by-hop options header of 8 bytes: next header, length 0, one PadN option of 4 bytes.</summary>
    private static byte[] HopByHop(byte next) => [next, 0, 1, 4, 0, 0, 0, 0];

    public static IPAddress Address(UInt128 a)
    {
        var b = new byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(b, a);
        return new IPAddress(b);
    }

    public static UInt128 Address(IPAddress a) => BinaryPrimitives.ReadUInt128BigEndian(a.GetAddressBytes());

    /// <summary>
    /// RFC 8200 8.1's checksum, summed the slow, obvious way (a pseudo-header built as bytes, then
    /// 16-bit words one at a time): true when the upper-layer message of the IPv6 packet at
    /// <paramref name="ipOffset"/> (no extension headers) sums to all ones.
    /// </summary>
    public static bool UpperLayerChecksumIsValid(byte[] frame, int ipOffset = 14) => NaiveSum(frame, ipOffset) == 0xffff;

    /// <summary>
    /// Writes the ICMPv6 checksum of the frame (no VLAN tag, no extension headers) by the naive sum.
    /// (PacketDotNet 1.4.8 cannot: see above; and re-signing a parsed Neighbor Discovery message, it
    /// writes the ICMPv6 header twice.)
    /// </summary>
    public static byte[] SignIcmp6(byte[] frame)
    {
        frame[56] = frame[57] = 0;
        ushort sum = (ushort)~NaiveSum(frame, 14);
        frame[56] = (byte)(sum >> 8);
        frame[57] = (byte)sum;
        return frame;
    }

    private static uint NaiveSum(byte[] frame, int ipOffset)
    {
        int length = (frame[ipOffset + 4] << 8) | frame[ipOffset + 5];
        var data = new List<byte>();
        data.AddRange(frame.AsSpan(ipOffset + 8, 32).ToArray());                  // source, destination
        data.AddRange([(byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length]);
        data.AddRange([0, 0, 0, frame[ipOffset + 6]]);                            // zero, next header
        data.AddRange(frame.AsSpan(ipOffset + 40, length).ToArray());
        if (data.Count % 2 == 1) data.Add(0);
        uint sum = 0;
        for (int i = 0; i < data.Count; i += 2)
        {
            sum += (uint)((data[i] << 8) | data[i + 1]);
            if (sum > 0xffff) sum = (sum & 0xffff) + 1;
        }
        return sum;
    }
}
