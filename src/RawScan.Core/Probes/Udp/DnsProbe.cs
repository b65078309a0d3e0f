using System.Buffers.Binary;

namespace RawScan.Probes.Udp;

/// <summary>
/// DNS (port 53): a query for <c>version.bind</c> class CHAOS type TXT, the name servers answer with
/// their software and version (or refuse: an answer all the same). RFC 1035 section 4.1; CHAOS is
/// class 3, TXT type 16.
/// <para>
/// The cookie travels in two echoed places: the 16-bit ID (cookie &amp; 0xffff) and the letter case of
/// the name ("0x20 encoding", draft-vixie-dnsext-dns0x20): bit i of cookie &gt;&gt; 16 upper-cases the
/// i-th of the 11 letters of "versionbind". Servers copy the question as they received it, so a
/// reply proves 27 bits, not 16.
/// </para>
/// </summary>
internal sealed class DnsProbe : IUdpProbe
{
    public static DnsProbe Instance { get; } = new();

    // Header: ID (patched), flags 0 (standard query, RD clear: we ask this server, not its recursion),
    // QDCOUNT 1; question: 7 "version" 4 "bind" 0, QTYPE TXT, QCLASS CH.
    private static ReadOnlySpan<byte> Query =>
    [
        0, 0, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
        7, (byte)'v', (byte)'e', (byte)'r', (byte)'s', (byte)'i', (byte)'o', (byte)'n',
        4, (byte)'b', (byte)'i', (byte)'n', (byte)'d', 0,
        0, 16, 0, 3,
    ];

    /// <summary>Offsets in <see cref="Query"/> of the 11 letters whose case carries cookie bits 16..26.</summary>
    private static ReadOnlySpan<byte> Letters => [13, 14, 15, 16, 17, 18, 19, 21, 22, 23, 24];

    public static int Length => Query.Length;   // 30

    public string Name => "dns";

    public int Write(Span<byte> payload, uint cookie)
    {
        Query.CopyTo(payload);
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)cookie);
        uint bits = cookie >> 16;
        var letters = Letters;
        for (int i = 0; i < letters.Length; i++)
            payload[letters[i]] ^= (byte)(((bits >> i) & 1) << 5);      // 'a' ^ 0x20 = 'A'
        return Length;
    }

    public EchoCheck Check(ReadOnlySpan<byte> reply, uint cookie)
    {
        Span<byte> sent = stackalloc byte[Length];
        Write(sent, cookie);
        return DnsWire.Check(reply, sent, ignoreCase: false);
    }
}
