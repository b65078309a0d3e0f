using System.Buffers.Binary;

namespace RawScan.Probes.Udp;

/// <summary>
/// The simple services of RFC 863-868 (discard 9, daytime 13, qotd 17, chargen 19, time 37): any
/// datagram starts them, so a line break serves where an empty datagram may not (some
/// implementations treat zero bytes as end of input). They echo nothing: the table decides.
/// </summary>
internal sealed class LineProbe : IUdpProbe
{
    public static LineProbe Instance { get; } = new();

    public string Name => "line";

    public int Write(Span<byte> payload, uint cookie)
    {
        BinaryPrimitives.WriteUInt16BigEndian(payload, 0x0d0a);
        return 2;
    }

    public EchoCheck Check(ReadOnlySpan<byte> reply, uint cookie) => EchoCheck.Unverifiable;
}
