using System.Buffers.Binary;

namespace RawScan.Probes.Udp;

/// <summary>
/// memcached (port 11211): the text protocol's "version" command over UDP, behind the 8-byte frame
/// header that protocol.txt ("UDP protocol") requires: request ID, sequence number 0, datagram count
/// 1, reserved 0. The server repeats the request ID in every datagram of its answer, so the ID
/// carries cookie &amp; 0xffff.
/// </summary>
internal sealed class MemcachedProbe : IUdpProbe
{
    public static MemcachedProbe Instance { get; } = new();

    // Built once: a collection expression with a spread would build a new array per call.
    private static readonly byte[] Request = [0, 0, 0, 0, 0, 1, 0, 0, .. "version\r\n"u8];

    public static int Length => Request.Length;   // 17

    public string Name => "memcached";

    public int Write(Span<byte> payload, uint cookie)
    {
        Request.CopyTo(payload);
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)cookie);
        return Request.Length;
    }

    /// <summary>
    /// Proved: a frame header with our request ID and a sequence number within its count, carrying an
    /// answer. Our own request reflected back (a mirror, not a memcached) carries the command, not an
    /// answer: refuted.
    /// </summary>
    public EchoCheck Check(ReadOnlySpan<byte> reply, uint cookie)
    {
        if (reply.Length < 8) return EchoCheck.Refuted;
        if (reply[8..].SequenceEqual(Request.AsSpan(8))) return EchoCheck.Refuted;
        ushort sequence = BinaryPrimitives.ReadUInt16BigEndian(reply[2..]), count = BinaryPrimitives.ReadUInt16BigEndian(reply[4..]);
        if (sequence >= count) return EchoCheck.Refuted;
        return BinaryPrimitives.ReadUInt16BigEndian(reply) == (ushort)cookie ? EchoCheck.Proved : EchoCheck.Refuted;
    }
}
