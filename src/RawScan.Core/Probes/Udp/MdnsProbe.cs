using System.Buffers.Binary;

namespace RawScan.Probes.Udp;

/// <summary>
/// Multicast DNS (port 5353), asked by unicast: a PTR query for <c>_services._dns-sd._udp.local</c>,
/// the DNS-SD service enumeration name (RFC 6763 section 9). Sent from a port other than 5353 it is a
/// "legacy unicast" query, which a responder must answer by unicast to the querier, repeating the
/// query ID and the question (RFC 6762 section 6.7). The ID carries cookie &amp; 0xffff. No 0x20
/// letter case here: responders compare names case-insensitively and need not echo the case.
/// </summary>
internal sealed class MdnsProbe : IUdpProbe
{
    public static MdnsProbe Instance { get; } = new();

    // QCLASS IN without the QU bit: a legacy querier asks plainly (RFC 6762 section 5.4 is for port 5353 queriers).
    private static ReadOnlySpan<byte> Query =>
    [
        0, 0, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
        9, (byte)'_', (byte)'s', (byte)'e', (byte)'r', (byte)'v', (byte)'i', (byte)'c', (byte)'e', (byte)'s',
        7, (byte)'_', (byte)'d', (byte)'n', (byte)'s', (byte)'-', (byte)'s', (byte)'d',
        4, (byte)'_', (byte)'u', (byte)'d', (byte)'p',
        5, (byte)'l', (byte)'o', (byte)'c', (byte)'a', (byte)'l', 0,
        0, 12, 0, 1,
    ];

    public static int Length => Query.Length;   // 46

    public string Name => "mdns";

    public int Write(Span<byte> payload, uint cookie)
    {
        Query.CopyTo(payload);
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)cookie);
        return Length;
    }

    public EchoCheck Check(ReadOnlySpan<byte> reply, uint cookie)
    {
        Span<byte> sent = stackalloc byte[Length];
        Write(sent, cookie);
        return DnsWire.Check(reply, sent, ignoreCase: true);
    }
}
