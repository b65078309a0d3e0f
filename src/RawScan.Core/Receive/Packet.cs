using System.Buffers.Binary;

namespace RawScan.Receive;

/// <summary>
/// The fields of a captured frame the matcher needs, parsed in place over a span with every length
/// checked: a malformed frame yields false, never an exception, and nothing is allocated. A frame cut
/// short by the capture (its IP length says more than was captured) still parses when its headers are
/// whole: <see cref="Truncated"/> is set and a UDP payload is the part that was captured.
/// Ethernet (one 802.1Q tag), IPv4 (with options) or IPv6 (with extension headers), then TCP, UDP,
/// ICMP or ICMPv6; for an ICMP error, the header of the datagram it quotes.
/// </summary>
internal struct Packet
{
    public ushort EtherType;
    public bool IsIpv6;
    public uint SrcIp, DstIp;                 // IPv4, host order
    public UInt128 SrcIp6, DstIp6;            // IPv6, host order
    public byte Protocol, Ttl;                // Protocol: the transport after IP (6, 17, 1, 58)
    public ushort SrcPort, DstPort;
    public uint Seq, Ack;
    public byte TcpFlags;
    public ushort Window;
    public int PayloadOffset, PayloadLength;  // UDP or TCP payload, within the frame (what was captured of it)
    public bool Truncated;                    // the capture kept less than the IP datagram's length

    // ICMP / ICMPv6
    public byte IcmpType, IcmpCode;
    public bool HasQuote;                     // an error that quotes our datagram's header
    public byte QuotedProtocol;
    public uint QuotedSrcIp, QuotedDstIp;
    public UInt128 QuotedSrcIp6, QuotedDstIp6; // an ICMPv6 error's quoted IPv6 header, host order
    public ushort QuotedSrcPort, QuotedDstPort;
    public uint QuotedSeq;                    // TCP only: the SYN's sequence number, i.e. our cookie
    public bool QuotedHasSeq;
    public ushort QuotedUdpChecksum;          // UDP only: covers the probe's payload, which carries the cookie

    public const byte FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;
    public const byte ProtoIcmp = 1, ProtoTcp = 6, ProtoUdp = 17, ProtoIcmp6 = 58;

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
        return type switch
        {
            0x0800 => ParseIpv4(frame[off..], off, ref p),
            0x86DD => ParseIpv6(frame[off..], off, ref p),
            0x0806 => true,                    // ARP: the caller reads it
            _ => false,
        };
    }

    private static bool ParseIpv4(ReadOnlySpan<byte> ip, int ipOffset, ref Packet p)
    {
        if (ip.Length < 20 || ip[0] >> 4 != 4) return false;
        int ihl = (ip[0] & 0x0f) * 4;
        int total = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        if (ihl < 20 || total < ihl || ip.Length < ihl) return false;
        ushort fragment = BinaryPrimitives.ReadUInt16BigEndian(ip[6..]);
        if ((fragment & 0x1fff) != 0) return false;      // a later fragment has no header to match
        if (total < ip.Length) ip = ip[..total];          // drop Ethernet padding
        else if (total > ip.Length) p.Truncated = true;   // cut by the capture's snap length
        // The first fragment of a datagram larger than the path's MTU (a big DNS answer): the capture
        // sees fragments, not the reassembled datagram, so it is judged on its bytes as a cut frame is.
        if ((fragment & 0x2000) != 0) p.Truncated = true;
        p.Ttl = ip[8];
        p.Protocol = ip[9];
        p.SrcIp = BinaryPrimitives.ReadUInt32BigEndian(ip[12..]);
        p.DstIp = BinaryPrimitives.ReadUInt32BigEndian(ip[16..]);
        return ParseTransport(ip[ihl..], ipOffset + ihl, ref p);
    }

    private static bool ParseIpv6(ReadOnlySpan<byte> ip, int ipOffset, ref Packet p)
    {
        if (ip.Length < 40 || ip[0] >> 4 != 6) return false;
        int payload = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
        if (ip.Length > 40 + payload) ip = ip[..(40 + payload)];
        else if (ip.Length < 40 + payload) p.Truncated = true;
        p.IsIpv6 = true;
        p.Ttl = ip[7];
        p.SrcIp6 = BinaryPrimitives.ReadUInt128BigEndian(ip[8..]);
        p.DstIp6 = BinaryPrimitives.ReadUInt128BigEndian(ip[24..]);
        byte next = ip[6];
        int off = 40;
        // Extension headers before the transport: hop-by-hop, routing, destination options, fragment.
        for (int hops = 0; hops < 8; hops++)
        {
            if (next is 0 or 43 or 60)
            {
                if (ip.Length < off + 8) return false;
                next = ip[off];
                off += (ip[off + 1] + 1) * 8;
                continue;
            }
            if (next == 44)
            {
                if (ip.Length < off + 8) return false;
                if ((BinaryPrimitives.ReadUInt16BigEndian(ip[(off + 2)..]) & 0xfff8) != 0) return false; // not the first fragment
                next = ip[off];
                off += 8;
                continue;
            }
            break;
        }
        if (off > ip.Length) return false;
        p.Protocol = next;
        return ParseTransport(ip[off..], ipOffset + off, ref p);
    }

    private static bool ParseTransport(ReadOnlySpan<byte> l4, int l4Offset, ref Packet p)
    {
        switch (p.Protocol)
        {
            case ProtoTcp:
            {
                if (l4.Length < 20) return false;
                int doff = (l4[12] >> 4) * 4;
                if (doff < 20 || l4.Length < doff) return false;
                p.SrcPort = BinaryPrimitives.ReadUInt16BigEndian(l4);
                p.DstPort = BinaryPrimitives.ReadUInt16BigEndian(l4[2..]);
                p.Seq = BinaryPrimitives.ReadUInt32BigEndian(l4[4..]);
                p.Ack = BinaryPrimitives.ReadUInt32BigEndian(l4[8..]);
                p.TcpFlags = l4[13];
                p.Window = BinaryPrimitives.ReadUInt16BigEndian(l4[14..]);
                p.PayloadOffset = l4Offset + doff;                // the segment's data (--banners): what was captured of it
                p.PayloadLength = l4.Length - doff;
                return true;
            }
            case ProtoUdp:
            {
                if (l4.Length < 8) return false;
                int len = BinaryPrimitives.ReadUInt16BigEndian(l4[4..]);
                // Longer than what is here: a cut capture (judged on the bytes there are), else inconsistent.
                if (len < 8 || (len > l4.Length && !p.Truncated)) return false;
                p.SrcPort = BinaryPrimitives.ReadUInt16BigEndian(l4);
                p.DstPort = BinaryPrimitives.ReadUInt16BigEndian(l4[2..]);
                p.PayloadOffset = l4Offset + 8;
                p.PayloadLength = Math.Min(len, l4.Length) - 8;
                return true;
            }
            case ProtoIcmp:
            case ProtoIcmp6:
            {
                if (l4.Length < 8) return false;
                p.IcmpType = l4[0];
                p.IcmpCode = l4[1];
                bool error = p.Protocol == ProtoIcmp ? p.IcmpType is 3 or 11 or 12 : p.IcmpType is 1 or 3 or 4;
                if (error && p.Protocol == ProtoIcmp) ParseQuotedIpv4(l4[8..], ref p);
                else if (error) ParseQuotedIpv6(l4[8..], ref p);
                return true;
            }
            default:
                return false;
        }
    }

    /// <summary>
    /// The IPv4 header and at least the first 8 bytes of the datagram an ICMP error quotes (RFC 792):
    /// enough for the ports and, for TCP, the sequence number that carries our cookie.
    /// </summary>
    private static void ParseQuotedIpv4(ReadOnlySpan<byte> q, ref Packet p)
    {
        if (q.Length < 20 || q[0] >> 4 != 4) return;
        int ihl = (q[0] & 0x0f) * 4;
        if (ihl < 20 || q.Length < ihl + 4) return;
        p.QuotedProtocol = q[9];
        p.QuotedSrcIp = BinaryPrimitives.ReadUInt32BigEndian(q[12..]);
        p.QuotedDstIp = BinaryPrimitives.ReadUInt32BigEndian(q[16..]);
        var t = q[ihl..];
        p.QuotedSrcPort = BinaryPrimitives.ReadUInt16BigEndian(t);
        p.QuotedDstPort = BinaryPrimitives.ReadUInt16BigEndian(t[2..]);
        if (p.QuotedProtocol == ProtoTcp && t.Length >= 8)
        {
            p.QuotedSeq = BinaryPrimitives.ReadUInt32BigEndian(t[4..]);
            p.QuotedHasSeq = true;
        }
        else if (p.QuotedProtocol == ProtoUdp && t.Length >= 8) p.QuotedUdpChecksum = BinaryPrimitives.ReadUInt16BigEndian(t[6..]);
        else if (p.QuotedProtocol == ProtoUdp) return;      // no checksum to check: not a usable quote
        p.HasQuote = true;
    }

    /// <summary>
    /// The IPv6 header, any extension headers, and the start of the datagram an ICMPv6 error quotes
    /// (RFC 4443: as much of the invoking packet as fits 1280 bytes, so our whole probe as a rule):
    /// the addresses, the ports and, for TCP, the sequence number that carries our cookie; for UDP
    /// the checksum, which covers the cookie-bearing payload. A quote of a later fragment, or too short
    /// for those fields, is no quote.
    /// </summary>
    private static void ParseQuotedIpv6(ReadOnlySpan<byte> q, ref Packet p)
    {
        if (q.Length < 40 || q[0] >> 4 != 6) return;
        byte next = q[6];
        int off = 40;
        for (int hops = 0; hops < 8 && next is 0 or 43 or 44 or 60; hops++)
        {
            if (q.Length < off + 8) return;
            if (next == 44 && (BinaryPrimitives.ReadUInt16BigEndian(q[(off + 2)..]) & 0xfff8) != 0) return;
            int length = next == 44 ? 8 : (q[off + 1] + 1) * 8;
            next = q[off];
            off += length;
        }
        if (next is 0 or 43 or 44 or 60 || q.Length < off + 4) return;   // a chain longer than ours could be, or cut
        p.QuotedProtocol = next;
        p.QuotedSrcIp6 = BinaryPrimitives.ReadUInt128BigEndian(q[8..]);
        p.QuotedDstIp6 = BinaryPrimitives.ReadUInt128BigEndian(q[24..]);
        var t = q[off..];
        p.QuotedSrcPort = BinaryPrimitives.ReadUInt16BigEndian(t);
        p.QuotedDstPort = BinaryPrimitives.ReadUInt16BigEndian(t[2..]);
        if (next == ProtoTcp && t.Length >= 8)
        {
            p.QuotedSeq = BinaryPrimitives.ReadUInt32BigEndian(t[4..]);
            p.QuotedHasSeq = true;
        }
        else if (next == ProtoUdp && t.Length >= 8) p.QuotedUdpChecksum = BinaryPrimitives.ReadUInt16BigEndian(t[6..]);
        else if (next == ProtoUdp) return;
        p.HasQuote = true;
    }
}
