using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace RawScan.Probes;

/// <summary>
/// Ethernet + IPv4 + UDP headers written once per scan; per probe the destination, ports, IP id and
/// lengths are patched, the IPv4 checksum updated (RFC 1624), and the payload, which carries the
/// cookie where the protocol echoes one, written by the port's <see cref="IUdpProbe"/>. The UDP
/// checksum covers the payload, so it is summed per probe: a few dozen bytes.
/// </summary>
internal sealed class UdpTemplate
{
    public const int IpOffset = 14, UdpOffset = 34, HeaderLength = 42;
    public const int MaxPayload = 1500 - 20 - 8;       // what fits one Ethernet frame

    private readonly byte[] _headers = new byte[HeaderLength];
    private readonly ushort _ipBase;

    public UdpTemplate(ReadOnlySpan<byte> srcMac, ReadOnlySpan<byte> dstMac, uint srcIp, byte ttl = 64)
    {
        SourceIp = srcIp;
        var f = _headers.AsSpan();
        dstMac.CopyTo(f);
        srcMac.CopyTo(f[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(f[12..], 0x0800);
        var ip = f.Slice(IpOffset, 20);
        ip[0] = 0x45;
        ip[8] = ttl;
        ip[9] = 17;
        BinaryPrimitives.WriteUInt32BigEndian(ip[12..], srcIp);
        _ipBase = Checksum.Compute(ip);                     // length, id, checksum and destination still zero
    }

    public uint SourceIp { get; }

    /// <summary>Writes the probe into <paramref name="frame"/> (at least <see cref="HeaderLength"/> + the payload) and returns its length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Write(Span<byte> frame, uint dstIp, ushort sport, ushort dport, ushort ipId, IUdpProbe probe, uint cookie)
    {
        _headers.AsSpan().CopyTo(frame);
        int payload = probe.Write(frame[HeaderLength..], cookie);
        ushort udpLength = (ushort)(8 + payload), total = (ushort)(20 + udpLength);
        ulong dstWords = (dstIp >> 16) + (dstIp & 0xffff);

        BinaryPrimitives.WriteUInt16BigEndian(frame[(IpOffset + 2)..], total);
        BinaryPrimitives.WriteUInt16BigEndian(frame[(IpOffset + 4)..], ipId);
        BinaryPrimitives.WriteUInt32BigEndian(frame[(IpOffset + 16)..], dstIp);
        BinaryPrimitives.WriteUInt16BigEndian(frame[(IpOffset + 10)..], Checksum.Update(_ipBase, dstWords + total + ipId));

        var udp = frame.Slice(UdpOffset, udpLength);
        BinaryPrimitives.WriteUInt16BigEndian(udp, sport);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], dport);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], udpLength);
        udp[6] = udp[7] = 0;
        ushort sum = Checksum.Finish(Checksum.Add(udp, Checksum.PseudoHeader(SourceIp, dstIp, 17, udpLength)));
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], sum == 0 ? (ushort)0xffff : sum); // 0 means "no checksum" in UDP
        return HeaderLength + payload;
    }
}
