using System.Buffers.Binary;

namespace RawScan.Probes.Udp;

/// <summary>
/// NTP (port 123): a version 4 client (mode 3) packet, RFC 5905 section 7.3, 48 bytes and no
/// extension fields. A server answers in mode 4 and copies our transmit timestamp into its origin
/// timestamp (section 9.2, "org"), so the transmit timestamp carries the cookie: seconds = cookie,
/// fraction = ~cookie (never all zero, which a server would take for "no timestamp").
/// </summary>
internal sealed class NtpProbe : IUdpProbe
{
    public static NtpProbe Instance { get; } = new();

    public const int Length = 48;
    private const int OriginOffset = 24, TransmitOffset = 40;

    public string Name => "ntp";

    public int Write(Span<byte> payload, uint cookie)
    {
        var p = payload[..Length];
        p.Clear();
        p[0] = 0 << 6 | 4 << 3 | 3;        // LI 0, VN 4, mode 3 (client)
        p[2] = 6;                           // poll 2^6 s, the usual minimum of a client
        p[3] = 0xEC;                        // precision 2^-20 s
        BinaryPrimitives.WriteUInt64BigEndian(p[TransmitOffset..], Timestamp(cookie));
        return Length;
    }

    /// <summary>Proved: a mode 4 (server) reply whose origin timestamp is our transmit timestamp.</summary>
    public EchoCheck Check(ReadOnlySpan<byte> reply, uint cookie)
    {
        if (reply.Length < Length || (reply[0] & 7) != 4) return EchoCheck.Refuted;
        return BinaryPrimitives.ReadUInt64BigEndian(reply[OriginOffset..]) == Timestamp(cookie) ? EchoCheck.Proved : EchoCheck.Refuted;
    }

    /// <summary>The transmit timestamp a probe with <paramref name="cookie"/> carries: seconds, then fraction.</summary>
    public static ulong Timestamp(uint cookie) => (ulong)cookie << 32 | ~cookie;
}
