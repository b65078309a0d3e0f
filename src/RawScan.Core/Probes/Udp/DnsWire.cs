using System.Buffers.Binary;

namespace RawScan.Probes.Udp;

/// <summary>
/// The reply side shared by the DNS-shaped probes (DNS, mDNS): RFC 1035 section 4.1.1 header, and the
/// first question, which a server copies from the query (section 4.1.2, RFC 6762 section 6.7).
/// </summary>
internal static class DnsWire
{
    public const int HeaderLength = 12;

    /// <summary>
    /// Checks <paramref name="reply"/> against the query we sent (<paramref name="query"/>: header, then
    /// one question of <paramref name="query"/>.Length - 12 bytes). Proved: a response (QR = 1) with
    /// our ID whose first question is ours byte for byte (or letter for letter, ignoring case, when
    /// <paramref name="ignoreCase"/>), class compared without its top bit (mDNS's QU / cache-flush).
    /// A response with our ID but no question section (some servers' FORMERR, NOTIMP) agrees with the
    /// 16 bits it carries and proves nothing more: Unverifiable, the four-tuple table decides. Anything
    /// else on the port, a datagram too short for a header or a query, is Refuted.
    /// </summary>
    public static EchoCheck Check(ReadOnlySpan<byte> reply, ReadOnlySpan<byte> query, bool ignoreCase)
    {
        if (reply.Length < HeaderLength || (reply[2] & 0x80) == 0) return EchoCheck.Refuted;
        if (BinaryPrimitives.ReadUInt16BigEndian(reply) != BinaryPrimitives.ReadUInt16BigEndian(query)) return EchoCheck.Refuted;
        if (BinaryPrimitives.ReadUInt16BigEndian(reply[4..]) == 0) return EchoCheck.Unverifiable;

        var question = query[HeaderLength..];
        if (reply.Length < HeaderLength + question.Length) return EchoCheck.Refuted;
        var echoed = reply.Slice(HeaderLength, question.Length);
        int name = question.Length - 4;                    // QNAME, then QTYPE and QCLASS
        if (ignoreCase ? !NameEqualsIgnoreCase(echoed[..name], question[..name]) : !echoed[..name].SequenceEqual(question[..name]))
            return EchoCheck.Refuted;
        if (BinaryPrimitives.ReadUInt16BigEndian(echoed[name..]) != BinaryPrimitives.ReadUInt16BigEndian(question[name..])) return EchoCheck.Refuted;
        if ((BinaryPrimitives.ReadUInt16BigEndian(echoed[(name + 2)..]) & 0x7fff) != (BinaryPrimitives.ReadUInt16BigEndian(question[(name + 2)..]) & 0x7fff))
            return EchoCheck.Refuted;
        return EchoCheck.Proved;
    }

    /// <summary>ASCII case-insensitive, as DNS compares names (RFC 4343); length octets are below 'A' and compare exactly.</summary>
    private static bool NameEqualsIgnoreCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        for (int i = 0; i < a.Length; i++)
            if (a[i] != b[i] && Lower(a[i]) != Lower(b[i])) return false;
        return true;
    }

    private static byte Lower(byte c) => c is >= (byte)'A' and <= (byte)'Z' ? (byte)(c | 0x20) : c;
}
