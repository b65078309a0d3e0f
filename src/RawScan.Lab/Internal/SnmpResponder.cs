namespace RawScan.Lab.Internal;

/// <summary>
/// The lab's SNMP agent on udp/161: answers a v1 or v2c GetRequest or GetNextRequest for community
/// "public", and nothing else. BER is read defensively (definite lengths of at most two bytes, every length checked
/// against its container, single-byte tags), so a malformed datagram gets silence, never an exception.
/// Pure: bytes in, bytes out, so it is unit-tested without a lab.
/// </summary>
/// <remarks>
/// The GetResponse echoes the version, community and request-id TLVs byte for byte, as received
/// (a scanner may encode its cookie in the request-id and compare the bytes). sysDescr.0 is
/// "RawScan lab"; any other OID is noSuchObject in v2c, and in v1 (which has no such value) the
/// whole request comes back with error-status noSuchName naming the first unknown binding, as RFC 1157
/// says. sysDescr.0 is the agent's only object, so GetNext of any OID that sorts before it answers
/// sysDescr.0, and of any other is endOfMibView in v2c, noSuchName in v1. GetNext is answered because
/// nmap's SNMP probe is one (v1, "public", GetNext 0.0, beside an SNMPv3 discovery): without it nmap
/// -sU called the lab's open udp/161 open|filtered.
/// </remarks>
internal static class SnmpResponder
{
    public const string Community = "public";
    public const string SysDescr = "RawScan lab";

    /// <summary>A GetRequest naming more bindings than this is ignored (nobody asks a lab for more).</summary>
    public const int MaxVarBinds = 64;

    private const byte Sequence = 0x30, Integer = 0x02, OctetString = 0x04, Oid = 0x06;
    private const byte GetRequest = 0xA0, GetNextRequest = 0xA1, GetResponse = 0xA2, NoSuchObject = 0x80, EndOfMibView = 0x82;
    private const int NoSuchName = 2;

    /// <summary>1.3.6.1.2.1.1.1.0, as the contents of an OBJECT IDENTIFIER.</summary>
    private static ReadOnlySpan<byte> SysDescrOid => [0x2B, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00];

    /// <summary>Writes the GetResponse to <paramref name="query"/> into <paramref name="reply"/>.</summary>
    /// <returns>The reply's length, or 0 for no reply (malformed, another community or PDU, or it would not fit).</returns>
    public static int Respond(ReadOnlySpan<byte> query, Span<byte> reply)
    {
        // Message ::= SEQUENCE { version INTEGER, community OCTET STRING, data PDU }, the whole datagram.
        if (!Tlv(query, 0, query.Length, out byte tag, out int at, out int messageEnd) || tag != Sequence || messageEnd != query.Length) return 0;

        int versionStart = at;
        if (!Tlv(query, at, messageEnd, out tag, out int content, out at) || tag != Integer || at - content != 1 || query[content] > 1) return 0;
        bool v1 = query[content] == 0;
        var version = query[versionStart..at];

        int communityStart = at;
        if (!Tlv(query, at, messageEnd, out tag, out content, out at) || tag != OctetString
            || !query[content..at].SequenceEqual("public"u8)) return 0;
        var community = query[communityStart..at];

        // GetRequest-PDU ::= [0] IMPLICIT SEQUENCE { request-id, error-status, error-index, variable-bindings }; GetNext is [1].
        if (!Tlv(query, at, messageEnd, out tag, out at, out int pduEnd) || tag is not (GetRequest or GetNextRequest) || pduEnd != messageEnd) return 0;
        bool next = tag == GetNextRequest;
        int requestIdStart = at;
        if (!IntegerTlv(query, ref at, pduEnd, maxLength: 8)) return 0;
        var requestId = query[requestIdStart..at];
        if (!IntegerTlv(query, ref at, pduEnd, maxLength: 4) || !IntegerTlv(query, ref at, pduEnd, maxLength: 4)) return 0;

        int listStart = at;
        if (!Tlv(query, at, pduEnd, out tag, out at, out int listEnd) || tag != Sequence || listEnd != pduEnd) return 0;
        var list = query[listStart..listEnd];

        // Each VarBind ::= SEQUENCE { name OBJECT IDENTIFIER, value ANY }, filling its SEQUENCE exactly.
        Span<int> oidStart = stackalloc int[MaxVarBinds], oidEnd = stackalloc int[MaxVarBinds];
        Span<bool> known = stackalloc bool[MaxVarBinds];
        int count = 0, firstUnknown = 0;
        while (at < listEnd)
        {
            if (count == MaxVarBinds) return 0;
            if (!Tlv(query, at, listEnd, out tag, out int bindContent, out int bindEnd) || tag != Sequence) return 0;
            oidStart[count] = bindContent;
            if (!Tlv(query, bindContent, bindEnd, out tag, out int oidContent, out int oidTlvEnd) || tag != Oid
                || oidTlvEnd == oidContent || oidTlvEnd - oidContent > 128) return 0;
            if (!Tlv(query, oidTlvEnd, bindEnd, out _, out _, out int valueEnd) || valueEnd != bindEnd) return 0;
            oidEnd[count] = oidTlvEnd;
            if (next)
            {
                if (PrecedesSysDescr(query[oidContent..oidTlvEnd]) is not bool before) return 0;
                known[count] = before;
            }
            else
            {
                known[count] = query[oidContent..oidTlvEnd].SequenceEqual(SysDescrOid);
            }
            if (!known[count] && firstUnknown == 0) firstUnknown = count + 1;
            count++;
            at = bindEnd;
        }

        // v1 has no exception values: an unknown name fails the whole request, which comes back as sent.
        bool failed = v1 && firstUnknown != 0;
        int listContent = 0;
        if (!failed)
            for (int i = 0; i < count; i++)
                listContent += TlvLength(NameLength(next, known[i], oidEnd[i] - oidStart[i]) + ValueLength(known[i]));
        int listLength = failed ? list.Length : TlvLength(listContent);
        int pduContent = requestId.Length + 3 + 3 + listLength;
        int messageContent = version.Length + community.Length + TlvLength(pduContent);
        int total = TlvLength(messageContent);
        if (total > reply.Length || total > 65507) return 0;

        int w = 0;
        WriteHeader(reply, ref w, Sequence, messageContent);
        Copy(reply, ref w, version);
        Copy(reply, ref w, community);
        WriteHeader(reply, ref w, GetResponse, pduContent);
        Copy(reply, ref w, requestId);
        Copy(reply, ref w, [Integer, 1, (byte)(failed ? NoSuchName : 0)]);
        Copy(reply, ref w, [Integer, 1, (byte)(failed ? firstUnknown : 0)]);
        if (failed)
        {
            Copy(reply, ref w, list);
            return w;
        }
        WriteHeader(reply, ref w, Sequence, listContent);
        for (int i = 0; i < count; i++)
        {
            WriteHeader(reply, ref w, Sequence, NameLength(next, known[i], oidEnd[i] - oidStart[i]) + ValueLength(known[i]));
            if (next && known[i])
            {
                WriteHeader(reply, ref w, Oid, SysDescrOid.Length);
                Copy(reply, ref w, SysDescrOid);
            }
            else
            {
                Copy(reply, ref w, query[oidStart[i]..oidEnd[i]]);
            }
            if (known[i])
            {
                WriteHeader(reply, ref w, OctetString, SysDescr.Length);
                foreach (char c in SysDescr) reply[w++] = (byte)c;
            }
            else
            {
                Copy(reply, ref w, [next ? EndOfMibView : NoSuchObject, 0]);
            }
        }
        return w;
    }

    private static int ValueLength(bool known) => known ? 2 + SysDescr.Length : 2;

    /// <summary>A binding's name in the reply: the one asked, but sysDescr.0 where GetNext found it.</summary>
    private static int NameLength(bool next, bool known, int askedLength) => next && known ? 2 + SysDescrOid.Length : askedLength;

    /// <summary>
    /// Whether the OBJECT IDENTIFIER whose contents are <paramref name="oid"/> sorts before sysDescr.0
    /// (sub-identifier by sub-identifier, a prefix first, as GetNext orders the MIB); null if a
    /// sub-identifier is cut short or longer than 9 bytes. The first sub-identifier stays 40X+Y: it
    /// orders as (X, Y) does. Byte order is not OID order (arc 16384 is 81 80 00, before 256's 82 00), so
    /// each is decoded.
    /// </summary>
    private static bool? PrecedesSysDescr(ReadOnlySpan<byte> oid)
    {
        ReadOnlySpan<byte> target = SysDescrOid;   // every sub-identifier of it is one byte
        int at = 0, i = 0;
        while (at < oid.Length)
        {
            ulong arc = 0;
            for (int n = 0; ; n++)
            {
                if (at == oid.Length || n == 9) return null;
                byte b = oid[at++];
                arc = (arc << 7) | (uint)(b & 0x7F);
                if ((b & 0x80) == 0) break;
            }
            if (i == target.Length) return false;  // sysDescr.0 is a prefix of it: it sorts after
            if (arc != target[i]) return arc < target[i];
            i++;
        }
        return i < target.Length;                  // a prefix of sysDescr.0 sorts before it; sysDescr.0 itself does not
    }

    /// <summary>
    /// Reads the TLV at <paramref name="at"/>, which must end by <paramref name="limit"/>: a one-byte
    /// tag and a definite length of one to three bytes (short form, 0x81 n, 0x82 n n).
    /// </summary>
    private static bool Tlv(ReadOnlySpan<byte> s, int at, int limit, out byte tag, out int content, out int end)
    {
        tag = 0;
        content = end = 0;
        if (at + 2 > limit) return false;
        tag = s[at];
        if ((tag & 0x1F) == 0x1F) return false;            // multi-byte tag: none in SNMP
        int first = s[at + 1], length;
        content = at + 2;
        if (first < 0x80) length = first;
        else if (first == 0x81 && content + 1 <= limit) { length = s[content]; content += 1; }
        else if (first == 0x82 && content + 2 <= limit) { length = (s[content] << 8) | s[content + 1]; content += 2; }
        else return false;                                  // indefinite (0x80), or longer than a datagram needs
        end = content + length;
        return end <= limit;
    }

    private static bool IntegerTlv(ReadOnlySpan<byte> s, ref int at, int limit, int maxLength)
    {
        if (!Tlv(s, at, limit, out byte tag, out int content, out int end) || tag != Integer) return false;
        if (end == content || end - content > maxLength) return false;
        at = end;
        return true;
    }

    /// <summary>Tag, length and content, the length in the shortest form.</summary>
    private static int TlvLength(int contentLength) => 1 + (contentLength < 0x80 ? 1 : contentLength < 0x100 ? 2 : 3) + contentLength;

    private static void WriteHeader(Span<byte> to, ref int w, byte tag, int length)
    {
        to[w++] = tag;
        if (length < 0x80)
        {
            to[w++] = (byte)length;
        }
        else if (length < 0x100)
        {
            to[w++] = 0x81;
            to[w++] = (byte)length;
        }
        else
        {
            to[w++] = 0x82;
            to[w++] = (byte)(length >> 8);
            to[w++] = (byte)length;
        }
    }

    private static void Copy(Span<byte> to, ref int w, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(to[w..]);
        w += bytes.Length;
    }
}
