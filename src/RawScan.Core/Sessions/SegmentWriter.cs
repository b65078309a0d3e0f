using System.Buffers.Binary;
using RawScan.Probes;
using RawScan.Targets;

namespace RawScan.Sessions;

/// <summary>
/// Writes the TCP segments of a banner connection (ACK, ACK with data, RST) for either family: Ethernet,
/// IPv4 (20 bytes) or IPv6 (40 bytes, no extension headers), TCP without options, then the data. Unlike
/// a probe these are few (a handful per open port) and carry data, so both checksums are computed
/// whole rather than patched from a template.
/// </summary>
internal sealed class SegmentWriter(byte[] srcMac, byte[] nextHopMac, uint source, byte[]? nextHopMac6 = null, UInt128 source6 = default)
{
    public const int Ipv4Headers = 14 + 20 + 20, Ipv6Headers = 14 + 40 + 20;

    /// <summary>The window we advertise: room for a banner, no more (a server sends at most this much before we ACK).</summary>
    public const ushort Window = 8192;

    private ushort _ipId;

    /// <summary>The largest frame: headers and <paramref name="maxData"/> bytes of data.</summary>
    public static int MaxFrame(int maxData) => Ipv6Headers + maxData;

    /// <summary>Where the data of a segment to <paramref name="dst"/> goes in the frame (write the data there, then call <see cref="Write"/>).</summary>
    public static int DataOffset(UInt128 dst) => Ip.IsV4(dst) ? Ipv4Headers : Ipv6Headers;

    /// <summary>Writes the headers of a segment whose <paramref name="dataLength"/> bytes of data are already at <see cref="DataOffset"/>; returns the frame's length.</summary>
    public int Write(Span<byte> frame, UInt128 dst, ushort sport, ushort dport, uint seq, uint ack, byte flags, int dataLength)
    {
        bool v4 = Ip.IsV4(dst);
        int tcpOffset = v4 ? 14 + 20 : 14 + 40, tcpLength = 20 + dataLength;
        (v4 ? nextHopMac : nextHopMac6!).CopyTo(frame);
        srcMac.CopyTo(frame[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], v4 ? (ushort)0x0800 : (ushort)0x86DD);
        ulong pseudo;
        if (v4)
        {
            var ip = frame.Slice(14, 20);
            ip[0] = 0x45; ip[1] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + tcpLength));
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], ++_ipId);
            BinaryPrimitives.WriteUInt16BigEndian(ip[6..], 0x4000);        // don't fragment
            ip[8] = 64; ip[9] = 6;
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], 0);
            BinaryPrimitives.WriteUInt32BigEndian(ip[12..], source);
            BinaryPrimitives.WriteUInt32BigEndian(ip[16..], Ip.ToV4(dst));
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum.Compute(ip));
            pseudo = Checksum.PseudoHeader(source, Ip.ToV4(dst), 6, tcpLength);
        }
        else
        {
            var ip = frame.Slice(14, 40);
            BinaryPrimitives.WriteUInt32BigEndian(ip, 0x60000000);
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)tcpLength);
            ip[6] = 6; ip[7] = 64;
            BinaryPrimitives.WriteUInt128BigEndian(ip[8..], source6);
            BinaryPrimitives.WriteUInt128BigEndian(ip[24..], dst);
            pseudo = Checksum.PseudoHeader6(source6, dst, 6, tcpLength);
        }
        var tcp = frame.Slice(tcpOffset, tcpLength);
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sport);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], dport);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], ack);
        tcp[12] = 5 << 4;
        tcp[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], (flags & Flags.Rst) != 0 ? (ushort)0 : Window);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[16..], 0);                // checksum, urgent pointer
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], Checksum.Finish(Checksum.Add(tcp, pseudo)));
        return tcpOffset + tcpLength;
    }

    /// <summary>TCP's flag bits.</summary>
    public static class Flags
    {
        public const byte Fin = 0x01, Syn = 0x02, Rst = 0x04, Psh = 0x08, Ack = 0x10;
    }
}
