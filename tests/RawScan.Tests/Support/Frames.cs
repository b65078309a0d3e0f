using System.Net;
using System.Net.NetworkInformation;
using PacketDotNet;
using PacketDotNet.Utils;

namespace RawScan.Tests;

/// <summary>
/// Builds the frames a target (or a router on the way) sends back, with PacketDotNet: lengths and
/// checksums come from PacketDotNet's encoder, not from RawScan's own <c>Checksum</c>, so the receive
/// path is never checked against RawScan itself. The one place the tests build reply frames.
/// PacketDotNet has no API for IPv4 options or for a VLAN tag of a new packet, so those headers start
/// from raw bytes (options are NOPs, the tag carries VLAN 7) and PacketDotNet fills in the rest.
/// </summary>
internal static class Frames
{
    public static readonly byte[] ScannerMac = [0x02, 0, 0, 0, 0, 0x02];
    public static readonly byte[] TargetMac = [0x02, 0, 0, 0, 0, 0x01];

    /// <summary>A TCP segment from src to dst (no TCP options, window 65535).</summary>
    public static byte[] Tcp(uint src, uint dst, ushort sport, ushort dport, uint seq, uint ack, byte flags,
        int ipOptions = 0, bool vlan = false, byte ttl = 64, byte[]? data = null)
    {
        var tcp = new TcpPacket(sport, dport) { SequenceNumber = seq, AcknowledgmentNumber = ack, Flags = flags, WindowSize = 65535 };
        if (data is not null) tcp.PayloadData = data;
        var ip = Ipv4(src, dst, ttl, ipOptions, tcp);
        tcp.UpdateTcpChecksum();
        return Finish(ip, vlan);
    }

    /// <summary>A UDP datagram from src to dst carrying <paramref name="payload"/>.</summary>
    public static byte[] Udp(uint src, uint dst, ushort sport, ushort dport, byte[] payload,
        int ipOptions = 0, bool vlan = false, byte ttl = 64)
    {
        var udp = new UdpPacket(sport, dport) { PayloadData = payload };
        var ip = Ipv4(src, dst, ttl, ipOptions, udp);
        udp.UpdateCalculatedValues();                         // the UDP length
        udp.UpdateUdpChecksum();
        return Finish(ip, vlan);
    }

    /// <summary>
    /// An ICMP destination unreachable (type 3) from src to dst quoting <paramref name="quoted"/>: the
    /// IP header of the datagram it refers to and the start of its transport header (RFC 792 asks
    /// for 8 bytes; RFC 1812 routers quote more).
    /// </summary>
    public static byte[] IcmpUnreachable(uint src, uint dst, byte code, byte[] quoted, int ipOptions = 0, bool vlan = false, byte ttl = 64)
    {
        var icmp = new IcmpV4Packet(new ByteArraySegment(new byte[8])) { TypeCode = (IcmpV4TypeCode)(0x0300 | code), Data = quoted };
        icmp.UpdateIcmpChecksum();
        return Finish(Ipv4(src, dst, ttl, ipOptions, icmp), vlan);
    }

    /// <summary>What an ICMP error quotes of a frame we sent: its IP header and the first <paramref name="transportBytes"/> of what follows.</summary>
    public static byte[] Quote(byte[] frame, int transportBytes = 8)
    {
        var ip = (IPv4Packet)Packet.ParsePacket(LinkLayers.Ethernet, frame).PayloadPacket;
        int ihl = ip.HeaderLength * 4;
        return frame.AsSpan(14, Math.Min(ihl + transportBytes, ip.TotalLength)).ToArray();
    }

    private static IPv4Packet Ipv4(uint src, uint dst, byte ttl, int options, Packet payload)
    {
        if (options % 4 != 0 || options > 40) throw new ArgumentOutOfRangeException(nameof(options));
        var header = new byte[20 + options];
        header[0] = (byte)(0x40 | header.Length / 4);
        header.AsSpan(20).Fill(1);                           // NOP options
        var ip = new IPv4Packet(new ByteArraySegment(header))
        {
            SourceAddress = Address(src),
            DestinationAddress = Address(dst),
            TimeToLive = ttl,
        };
        ip.PayloadPacket = payload;                          // sets the protocol and the total length
        return ip;
    }

    private static byte[] Finish(IPv4Packet ip, bool vlan)
    {
        ip.UpdateCalculatedValues();
        ip.UpdateIPChecksum();
        var eth = new EthernetPacket(new PhysicalAddress(TargetMac), new PhysicalAddress(ScannerMac), vlan ? EthernetType.VLanTaggedFrame : EthernetType.IPv4);
        if (vlan)
        {
            var tag = new Ieee8021QPacket(new ByteArraySegment(new byte[4])) { VlanIdentifier = 7 };
            tag.PayloadPacket = ip;
            tag.Type = EthernetType.IPv4;                    // after: a type set first makes PacketDotNet parse the empty tag's payload as IPv4
            eth.PayloadPacket = tag;
        }
        else eth.PayloadPacket = ip;
        return eth.Bytes;
    }

    public static IPAddress Address(uint a) => new([(byte)(a >> 24), (byte)(a >> 16), (byte)(a >> 8), (byte)a]);
}
