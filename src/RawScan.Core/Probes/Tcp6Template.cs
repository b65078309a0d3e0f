using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using RawScan.Targets;

namespace RawScan.Probes;

/// <summary>
/// The IPv6 twin of <see cref="TcpTemplate"/>: an Ethernet (0x86DD) + IPv6 + TCP frame written once
/// per scan; per packet only the destination address, ports and sequence number are patched and the
/// TCP checksum updated (RFC 1624) over the IPv6 pseudo-header (RFC 8200 8.1). IPv6 has no header
/// checksum and no identification field outside a fragment header, so there is less to patch than
/// for IPv4. A class of its own rather than a family switch in <see cref="TcpTemplate"/>: the IPv4
/// send path keeps its exact code and cost, and neither pays a branch per probe for the other.
/// The SYN carries MSS 1440 (1500 less the 40-byte IPv6 and 20-byte TCP headers), as Linux's own
/// SYNs over IPv6 on Ethernet do.
/// </summary>
internal sealed class Tcp6Template
{
    public const int EthernetLength = 14;
    public const int IpOffset = EthernetLength;
    public const int IpLength = 40;
    public const int DestinationOffset = IpOffset + 24;
    public const int TcpOffset = IpOffset + IpLength;
    public const int TcpLength = 24;
    public const int FrameLength = TcpOffset + TcpLength;  // a SYN: 78 bytes
    public const ushort Mss = 1500 - IpLength - 20;
    public const byte Syn = TcpTemplate.Syn, Rst = TcpTemplate.Rst;

    private readonly byte[] _frame;
    private readonly ushort _tcpBase;

    /// <param name="flowLabel">20 bits, the same for every probe: 0 (RFC 6437 allows a source not to label) unless a test or a path's load balancer asks.</param>
    public Tcp6Template(ReadOnlySpan<byte> srcMac, ReadOnlySpan<byte> dstMac, UInt128 srcIp, byte hopLimit = 64, ushort window = 1024,
        byte flags = Syn, uint flowLabel = 0)
    {
        if (flowLabel > 0xfffff) throw new ArgumentOutOfRangeException(nameof(flowLabel), "a flow label has 20 bits");
        SourceIp = srcIp;
        int tcpLength = flags == Syn ? TcpLength : 20;      // only the SYN carries the MSS option
        _frame = new byte[TcpOffset + tcpLength];
        var f = _frame.AsSpan();
        dstMac.CopyTo(f);
        srcMac.CopyTo(f[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(f[12..], 0x86DD);

        var ip = f.Slice(IpOffset, IpLength);
        BinaryPrimitives.WriteUInt32BigEndian(ip, 0x6000_0000u | flowLabel); // version 6, traffic class 0
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)tcpLength);   // payload length: no extension headers
        ip[6] = 6;                                                           // next header: TCP
        ip[7] = hopLimit;
        Ipv6.WriteBytes(srcIp, ip[8..]);                                     // destination still zero

        var tcp = f.Slice(TcpOffset, tcpLength);
        tcp[12] = (byte)((tcpLength / 4) << 4);
        tcp[13] = flags;
        if (flags == Syn)
        {
            BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], window);
            tcp[20] = 2; tcp[21] = 4;                                        // MSS
            BinaryPrimitives.WriteUInt16BigEndian(tcp[22..], Mss);
        }
        // Ports, sequence number and the pseudo-header's destination are zero here: per probe they are only added.
        _tcpBase = Checksum.Finish(Checksum.Add(tcp, Checksum.PseudoHeader6(srcIp, 0, 6, tcpLength)));
    }

    public UInt128 SourceIp { get; }

    public ReadOnlySpan<byte> Bytes => _frame;

    public int Length => _frame.Length;

    /// <summary>Writes the packet for one four-tuple into <paramref name="frame"/> and returns its length. No allocation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Write(Span<byte> frame, UInt128 dstIp, ushort sport, ushort dport, uint seq)
    {
        _frame.AsSpan().CopyTo(frame);
        Ipv6.WriteBytes(dstIp, frame[DestinationOffset..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[TcpOffset..], sport);
        BinaryPrimitives.WriteUInt16BigEndian(frame[(TcpOffset + 2)..], dport);
        BinaryPrimitives.WriteUInt32BigEndian(frame[(TcpOffset + 4)..], seq);
        ulong words = Checksum.Words(dstIp) + sport + dport + (seq >> 16) + (seq & 0xffff);
        BinaryPrimitives.WriteUInt16BigEndian(frame[(TcpOffset + 16)..], Checksum.Update(_tcpBase, words));
        return _frame.Length;
    }
}
