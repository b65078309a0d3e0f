using System.Buffers.Binary;

namespace RawScan.Lab.Internal;

/// <summary>
/// The lab's DNS server on udp/53: enough of RFC 1035 to answer a scanner's probe, and nothing a
/// malformed datagram can make it do but stay silent. Pure: bytes in, bytes out, so it is unit-tested
/// without a lab.
/// </summary>
/// <remarks>
/// Every standard query (QR 0, opcode 0, one question) is answered, authoritatively: the question
/// is copied byte for byte, because scanners encode bits of their cookie in the letter case of the
/// name (DNS 0x20) and check it in the echo. Answers: <c>version.bind</c> CH TXT (any case) is
/// "RawScan lab"; IN A, over IPv4, is the address the query was sent to, and IN AAAA over IPv6
/// likewise; anything else (A over IPv6, AAAA over IPv4 included) is NOERROR with no answer.
/// </remarks>
internal static class DnsResponder
{
    public const int HeaderLength = 12;

    /// <summary>The longest reply: header, a 255-byte name, type and class, and the longest answer (AAAA: 12 + 16).</summary>
    public const int MaxReplyLength = HeaderLength + 255 + 4 + 28;

    public const string VersionText = "RawScan lab";

    private const ushort TypeA = 1, TypeTxt = 16, TypeAaaa = 28, ClassIn = 1, ClassChaos = 3;

    /// <summary>
    /// Writes the reply to <paramref name="query"/>, sent to the IPv4 address <paramref name="destination"/>
    /// (host order), into <paramref name="reply"/> (at least <see cref="MaxReplyLength"/> bytes).
    /// </summary>
    /// <returns>The reply's length, or 0 for no reply (malformed, a response, not a standard query).</returns>
    public static int Respond(ReadOnlySpan<byte> query, uint destination, Span<byte> reply) =>
        Respond(query, MappedPrefix | destination, reply);

    private static readonly UInt128 MappedPrefix = (UInt128)0xffff << 32;

    /// <summary>
    /// The same for a query sent to <paramref name="destination"/> as <see cref="UdpResponse"/> gives it:
    /// an IPv6 address (host order), or an IPv4 one as its IPv4-mapped address.
    /// </summary>
    public static int Respond(ReadOnlySpan<byte> query, UInt128 destination, Span<byte> reply)
    {
        bool v4 = destination >> 32 == 0xffff;
        if (query.Length < HeaderLength || reply.Length < MaxReplyLength) return 0;
        byte flags = query[2];
        if ((flags & 0x80) != 0) return 0;                 // QR: a response, never answered (no loops)
        if (((flags >> 3) & 0xF) != 0) return 0;           // opcode: QUERY only
        if (BinaryPrimitives.ReadUInt16BigEndian(query[4..]) != 1) return 0; // QDCOUNT

        // QNAME: labels of 1-63 bytes up to the root's 0, 255 bytes at most. No compression: a query's
        // only name has nothing earlier to point at.
        int at = HeaderLength;
        while (true)
        {
            if (at >= query.Length) return 0;
            int label = query[at];
            if (label == 0) break;
            if (label > 63) return 0;                      // 0xC0 pointer, or the reserved 0x40/0x80 kinds
            at += 1 + label;
            if (at - HeaderLength + 1 > 255) return 0;
        }
        int nameEnd = at + 1;                              // past the root label
        if (nameEnd + 4 > query.Length) return 0;
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(query[nameEnd..]);
        ushort @class = BinaryPrimitives.ReadUInt16BigEndian(query[(nameEnd + 2)..]);
        int questionEnd = nameEnd + 4;

        query[..questionEnd].CopyTo(reply);
        // QR 1, opcode 0, AA 1, TC 0, RD as asked; RA 0, Z 0, RCODE 0 (NOERROR).
        reply[2] = (byte)(0x80 | 0x04 | (flags & 0x01));
        reply[3] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(reply[6..], 0);  // ANCOUNT, set below if answered
        BinaryPrimitives.WriteUInt32BigEndian(reply[8..], 0);  // NSCOUNT, ARCOUNT (EDNS is not spoken)

        var name = query[HeaderLength..nameEnd];
        var answer = reply[questionEnd..];
        int answerLength;
        if (type == TypeTxt && @class == ClassChaos && IsVersionBind(name))
        {
            answerLength = WriteRecordHeader(answer, TypeTxt, ClassChaos, 1 + VersionText.Length);
            answer[answerLength++] = (byte)VersionText.Length;
            foreach (char c in VersionText) answer[answerLength++] = (byte)c;
        }
        else if (type == TypeA && @class == ClassIn && v4)
        {
            answerLength = WriteRecordHeader(answer, TypeA, ClassIn, 4);
            BinaryPrimitives.WriteUInt32BigEndian(answer[answerLength..], (uint)destination);
            answerLength += 4;
        }
        else if (type == TypeAaaa && @class == ClassIn && !v4)
        {
            answerLength = WriteRecordHeader(answer, TypeAaaa, ClassIn, 16);
            RawScan.Targets.Ipv6.WriteBytes(destination, answer[answerLength..]);
            answerLength += 16;
        }
        else
        {
            return questionEnd;
        }
        BinaryPrimitives.WriteUInt16BigEndian(reply[6..], 1);
        return questionEnd + answerLength;
    }

    /// <summary>NAME as a pointer to the question's (offset 12), TYPE, CLASS, TTL 0, RDLENGTH.</summary>
    private static int WriteRecordHeader(Span<byte> at, ushort type, ushort @class, int dataLength)
    {
        BinaryPrimitives.WriteUInt16BigEndian(at, 0xC000 | HeaderLength);
        BinaryPrimitives.WriteUInt16BigEndian(at[2..], type);
        BinaryPrimitives.WriteUInt16BigEndian(at[4..], @class);
        BinaryPrimitives.WriteUInt32BigEndian(at[6..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(at[10..], (ushort)dataLength);
        return 12;
    }

    /// <summary>"\7version\4bind\0", in any letter case.</summary>
    private static bool IsVersionBind(ReadOnlySpan<byte> name)
    {
        ReadOnlySpan<byte> wanted = "\u0007version\u0004bind\0"u8;
        if (name.Length != wanted.Length) return false;
        for (int i = 0; i < wanted.Length; i++)
        {
            byte b = name[i];
            if (b is >= (byte)'A' and <= (byte)'Z') b |= 0x20;
            if (b != wanted[i]) return false;
        }
        return true;
    }
}
