using System.Buffers.Binary;

namespace RawScan.Receive;

/// <summary>
/// The fields of a captured frame the matcher needs, parsed in place over a span with every length
/// checked: a truncated or malformed frame yields false, never an exception.
/// </summary>
public struct Packet
{
    public ushort EtherType;
    public uint SrcIp, DstIp;
    public byte Protocol, Ttl;
    public ushort SrcPort, DstPort;
    public uint Seq, Ack;
    public byte TcpFlags;

    public const byte FIN = 0x01, SYN = 0x02, RST = 0x04, ACK = 0x10;

    /// <summary>Parses Ethernet (with one 802.1Q tag), IPv4 (with options) and TCP.</summary>
    public static bool TryParse(ReadOnlySpan<byte> frame, out Packet p)
    {
        p = default;
        if (frame.Length < 14) return false;
        int off = 12;
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(frame[off..]);
        if (type == 0x8100)
        {
            if (frame.Length < 18) return false;
            off += 4;
            type = BinaryPrimitives.ReadUInt16BigEndian(frame[off..]);
        }
        off += 2;
        p.EtherType = type;
        if (type != 0x0800) return type == 0x0806; // ARP is handled by the caller; other types are not ours

        var ip = frame[off..];
        if (ip.Length < 20 || ip[0] >> 4 != 4) return false;
        int ihl = (ip[0] & 0x0f) * 4;
        int total = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        if (ihl < 20 || total < ihl || ip.Length < ihl) return false;
        if ((BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x1fff) != 0) return false; // a later fragment has no header to match
        if (total < ip.Length) ip = ip[..total];          // drop Ethernet padding
        p.Ttl = ip[8];
        p.Protocol = ip[9];
        p.SrcIp = BinaryPrimitives.ReadUInt32BigEndian(ip[12..]);
        p.DstIp = BinaryPrimitives.ReadUInt32BigEndian(ip[16..]);

        var l4 = ip[ihl..];
        if (p.Protocol == 6)
        {
            if (l4.Length < 20) return false;
            int doff = (l4[12] >> 4) * 4;
            if (doff < 20 || l4.Length < doff) return false;
            p.SrcPort = BinaryPrimitives.ReadUInt16BigEndian(l4);
            p.DstPort = BinaryPrimitives.ReadUInt16BigEndian(l4[2..]);
            p.Seq = BinaryPrimitives.ReadUInt32BigEndian(l4[4..]);
            p.Ack = BinaryPrimitives.ReadUInt32BigEndian(l4[8..]);
            p.TcpFlags = l4[13];
            return true;
        }
        return false;
    }
}
