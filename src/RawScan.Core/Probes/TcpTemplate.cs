using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace RawScan.Probes;

/// <summary>
/// An Ethernet + IPv4 + TCP frame written once per scan; per packet only the destination address,
/// ports, sequence number and IP id are patched and the two checksums updated (RFC 1624), never
/// recomputed (zmap prepare_packet/make_packet, masscan templ-pkt.c). The probe is a SYN carrying one
/// option, MSS 1460, as nmap's -sS and zmap's probes do: a bare SYN is unusual enough that some stacks
/// and IDSes treat it differently. The same template with RST and no option closes a half-open
/// connection (--reset).
/// </summary>
internal sealed class TcpTemplate
{
    public const int EthernetLength = 14;
    public const int IpOffset = EthernetLength;
    public const int TcpOffset = IpOffset + 20;
    public const int TcpLength = 24;
    public const int FrameLength = TcpOffset + TcpLength; // a SYN: 58 bytes; the NIC pads to the 60-byte minimum
    public const byte Syn = 0x02, Rst = 0x04;

    private readonly byte[] _frame;
    private readonly ushort _ipBase, _tcpBase;
    private readonly int _tcpLength;

    public TcpTemplate(ReadOnlySpan<byte> srcMac, ReadOnlySpan<byte> dstMac, uint srcIp, byte ttl = 64, ushort window = 1024, byte flags = Syn)
    {
        SourceIp = srcIp;
        _tcpLength = flags == Syn ? TcpLength : 20;          // only the SYN carries the MSS option
        _frame = new byte[TcpOffset + _tcpLength];
        var f = _frame.AsSpan();
        dstMac.CopyTo(f);
        srcMac.CopyTo(f[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(f[12..], 0x0800);

        var ip = f.Slice(IpOffset, 20);
        ip[0] = 0x45;                                       // version 4, 20-byte header
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + _tcpLength));
        ip[8] = ttl;
        ip[9] = 6;                                          // TCP
        BinaryPrimitives.WriteUInt32BigEndian(ip[12..], srcIp);
        _ipBase = Checksum.Compute(ip);                     // id, checksum and destination still zero

        var tcp = f.Slice(TcpOffset, _tcpLength);
        tcp[12] = (byte)((_tcpLength / 4) << 4);
        tcp[13] = flags;
        if (flags == Syn)
        {
            BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], window);
            tcp[20] = 2; tcp[21] = 4;                       // MSS
            BinaryPrimitives.WriteUInt16BigEndian(tcp[22..], 1460);
        }
        _tcpBase = Checksum.Finish(Checksum.Add(tcp, Checksum.PseudoHeader(srcIp, 0, 6, _tcpLength)));
    }

    public uint SourceIp { get; }

    public ReadOnlySpan<byte> Bytes => _frame;

    public int Length => _frame.Length;

    /// <summary>Writes the packet for one four-tuple into <paramref name="frame"/> and returns its length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Write(Span<byte> frame, uint dstIp, ushort sport, ushort dport, uint seq, ushort ipId)
    {
        _frame.AsSpan().CopyTo(frame);
        ulong dstWords = (dstIp >> 16) + (dstIp & 0xffff);

        BinaryPrimitives.WriteUInt16BigEndian(frame[(IpOffset + 4)..], ipId);
        BinaryPrimitives.WriteUInt32BigEndian(frame[(IpOffset + 16)..], dstIp);
        BinaryPrimitives.WriteUInt16BigEndian(frame[(IpOffset + 10)..], Checksum.Update(_ipBase, dstWords + ipId));

        BinaryPrimitives.WriteUInt16BigEndian(frame[TcpOffset..], sport);
        BinaryPrimitives.WriteUInt16BigEndian(frame[(TcpOffset + 2)..], dport);
        BinaryPrimitives.WriteUInt32BigEndian(frame[(TcpOffset + 4)..], seq);
        ulong tcpWords = dstWords + sport + dport + (seq >> 16) + (seq & 0xffff);
        BinaryPrimitives.WriteUInt16BigEndian(frame[(TcpOffset + 16)..], Checksum.Update(_tcpBase, tcpWords));
        return _frame.Length;
    }
}
