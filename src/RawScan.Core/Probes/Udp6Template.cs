using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using RawScan.Targets;

namespace RawScan.Probes;

/// <summary>
/// The IPv6 twin of <see cref="UdpTemplate"/>: Ethernet (0x86DD) + IPv6 + UDP headers written once per
/// scan; per probe the destination, ports and lengths are patched and the payload, which carries the
/// cookie where the protocol echoes one, written by the port's <see cref="IUdpProbe"/> (the same
/// writers as IPv4's). The UDP checksum covers the payload, so it is summed per probe (a few dozen
/// bytes), starting from the source address's words, summed once. Over IPv6 the checksum is
/// mandatory (RFC 8200 8.1): one that computes to zero goes out as 0xffff.
/// </summary>
internal sealed class Udp6Template
{
    public const int IpOffset = 14, IpLength = 40, DestinationOffset = IpOffset + 24;
    public const int UdpOffset = IpOffset + IpLength, HeaderLength = UdpOffset + 8;   // 62
    public const int MaxPayload = 1500 - IpLength - 8;                                // 1452: what fits one Ethernet frame

    private readonly byte[] _headers = new byte[HeaderLength];
    private readonly ulong _pseudoBase;                  // the source address and next header of the pseudo-header

    /// <param name="flowLabel">20 bits, the same for every probe (see <see cref="Tcp6Template"/>).</param>
    public Udp6Template(ReadOnlySpan<byte> srcMac, ReadOnlySpan<byte> dstMac, UInt128 srcIp, byte hopLimit = 64, uint flowLabel = 0)
    {
        if (flowLabel > 0xfffff) throw new ArgumentOutOfRangeException(nameof(flowLabel), "a flow label has 20 bits");
        SourceIp = srcIp;
        var f = _headers.AsSpan();
        dstMac.CopyTo(f);
        srcMac.CopyTo(f[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(f[12..], 0x86DD);
        var ip = f.Slice(IpOffset, IpLength);
        BinaryPrimitives.WriteUInt32BigEndian(ip, 0x6000_0000u | flowLabel);
        ip[6] = 17;                                                          // next header: UDP
        ip[7] = hopLimit;
        Ipv6.WriteBytes(srcIp, ip[8..]);                                     // payload length and destination per probe
        _pseudoBase = Checksum.PseudoHeader6(srcIp, 0, 17, 0);
    }

    public UInt128 SourceIp { get; }

    /// <summary>Writes the probe into <paramref name="frame"/> (at least <see cref="HeaderLength"/> + the payload) and returns its length. No allocation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Write(Span<byte> frame, UInt128 dstIp, ushort sport, ushort dport, IUdpProbe probe, uint cookie)
    {
        _headers.AsSpan().CopyTo(frame);
        int payload = probe.Write(frame[HeaderLength..], cookie);
        ushort udpLength = (ushort)(8 + payload);

        BinaryPrimitives.WriteUInt16BigEndian(frame[(IpOffset + 4)..], udpLength);   // IPv6 payload length: the datagram
        Ipv6.WriteBytes(dstIp, frame[DestinationOffset..]);

        var udp = frame.Slice(UdpOffset, udpLength);
        BinaryPrimitives.WriteUInt16BigEndian(udp, sport);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], dport);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], udpLength);
        udp[6] = udp[7] = 0;
        ushort sum = Checksum.Finish(Checksum.Add(udp, _pseudoBase + Checksum.Words(dstIp) + udpLength));
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], sum == 0 ? (ushort)0xffff : sum);
        return HeaderLength + payload;
    }
}
