using System.Text;

namespace RawScan.Probes.Udp;

/// <summary>
/// SIP (port 5060): an OPTIONS request (RFC 3261 section 11), which user agents and proxies answer
/// with their capabilities, or with an error that shows them all the same. Every response copies the
/// request's Call-ID, Via branch and From tag (section 8.2.6.2), so all three carry the cookie as 8
/// hex digits; Check reads the Call-ID.
/// <para>
/// Write knows neither address, so the URIs name <c>rawscan.invalid</c> (RFC 2606: never resolves).
/// Via's "rport" (RFC 3581) sends the response to the datagram's source address and port rather than
/// to the sent-by host; Max-Forwards 0 asks a proxy to answer itself rather than route the request.
/// </para>
/// </summary>
internal sealed class SipProbe : IUdpProbe
{
    public static SipProbe Instance { get; } = new();

    private const string Placeholder = "________", Domain = "rawscan.invalid";

    private static readonly byte[] Request = Encoding.ASCII.GetBytes(
        "OPTIONS sip:rawscan@" + Domain + " SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP " + Domain + ";branch=z9hG4bK" + Placeholder + ";rport\r\n" +
        "Max-Forwards: 0\r\n" +
        "From: <sip:rawscan@" + Domain + ">;tag=" + Placeholder + "\r\n" +
        "To: <sip:rawscan@" + Domain + ">\r\n" +
        "Call-ID: " + Placeholder + "@" + Domain + "\r\n" +
        "CSeq: 1 OPTIONS\r\n" +
        "Accept: application/sdp\r\n" +
        "Content-Length: 0\r\n\r\n");

    /// <summary>Where the three hex copies of the cookie go; the last is the Call-ID's.</summary>
    private static readonly int[] CookieAt = Find(Request, Encoding.ASCII.GetBytes(Placeholder));
    private static readonly int CallIdAt = CookieAt[^1], CallIdLength = (Placeholder + "@" + Domain).Length;

    public static int Length => Request.Length;

    public string Name => "sip";

    private static int[] Find(byte[] text, byte[] what)
    {
        var at = new List<int>();
        for (int from = 0, i; (i = text.AsSpan(from).IndexOf(what)) >= 0; from += i + what.Length) at.Add(from + i);
        return [.. at];
    }

    public int Write(Span<byte> payload, uint cookie)
    {
        Request.CopyTo(payload);
        var hex = payload.Slice(CookieAt[0], 8);
        Hex(hex, cookie);
        for (int i = 1; i < CookieAt.Length; i++) hex.CopyTo(payload.Slice(CookieAt[i], 8));
        return Request.Length;
    }

    private static void Hex(Span<byte> to, uint value)
    {
        for (int i = 7; i >= 0; i--, value >>= 4)
            to[i] = "0123456789abcdef"u8[(int)(value & 0xf)];
    }

    /// <summary>
    /// Proved: a SIP response whose Call-ID (or its compact form "i") is ours, byte for byte as section
    /// 20.8 compares them. A SIP response with another Call-ID, or anything else on the port, is Refuted.
    /// </summary>
    public EchoCheck Check(ReadOnlySpan<byte> reply, uint cookie)
    {
        if (!reply.StartsWith("SIP/2.0 "u8)) return EchoCheck.Refuted;
        Span<byte> ours = stackalloc byte[CallIdLength];
        Request.AsSpan(CallIdAt, CallIdLength).CopyTo(ours);
        Hex(ours, cookie);

        var rest = reply;
        while (rest.Length > 0)
        {
            int eol = rest.IndexOf((byte)'\n');
            var line = eol < 0 ? rest : rest[..eol];
            rest = eol < 0 ? default : rest[(eol + 1)..];
            if (line.Length > 0 && line[^1] == '\r') line = line[..^1];
            if (line.IsEmpty) break;                                        // end of the headers
            int colon = line.IndexOf((byte)':');
            if (colon < 0) continue;
            var name = line[..colon].TrimEnd(" \t"u8);
            if (!Ascii.EqualsIgnoreCase(name, "Call-ID"u8) && !Ascii.EqualsIgnoreCase(name, "i"u8)) continue;
            return line[(colon + 1)..].Trim(" \t"u8).SequenceEqual(ours) ? EchoCheck.Proved : EchoCheck.Refuted;
        }
        return EchoCheck.Refuted;
    }
}
