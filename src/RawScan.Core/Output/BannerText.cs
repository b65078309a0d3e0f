using System.Text;

namespace RawScan.Output;

/// <summary>
/// A banner's bytes as printable ASCII, the one form every report writes them in (JSON, CSV, XML's
/// banner script, grepable has none, HTML): bytes 0x20-0x7E stand for themselves but the backslash,
/// which is "\\"; tab, line feed and carriage return are "\t", "\n" and "\r"; every other byte (NUL,
/// controls, DEL, and each byte of non-ASCII text, UTF-8 or not) is "\xNN" in lower-case hex. So
/// "SSH-2.0-OpenSSH_9.2p1\r\n" reads as it does in nmap's banner script, a hostile banner can neither
/// end a line, nor hold a byte that is not valid text, nor reach a terminal as a control, and
/// <see cref="Decode"/> gives the exact bytes back. A format then quotes the text its own way (JSON
/// escapes the backslashes again: "\\r\\n" in the file).
/// </summary>
public static class BannerText
{
    /// <summary>At most this many chars stand for one byte ("\xNN").</summary>
    public const int MaxCharsPerByte = 4;

    /// <summary>The text as a string (XML attributes and HTML, written once per port at the end of a scan).</summary>
    public static string Encode(ReadOnlySpan<byte> banner)
    {
        var sb = new StringBuilder(banner.Length + 16);
        Span<char> s = stackalloc char[MaxCharsPerByte];
        foreach (byte b in banner) sb.Append(s[..Format(b, s, false)]);
        return sb.ToString();
    }

    /// <summary>One byte's chars into <paramref name="s"/> (at least <see cref="MaxCharsPerByte"/> long); returns how many.</summary>
    public static int Format(byte b, Span<char> s, bool escapeFormula = false)
    {
        switch (b)
        {
            case (byte)'\\': s[0] = '\\'; s[1] = '\\'; return 2;
            case (byte)'\t': s[0] = '\\'; s[1] = 't'; return 2;
            case (byte)'\n': s[0] = '\\'; s[1] = 'n'; return 2;
            case (byte)'\r': s[0] = '\\'; s[1] = 'r'; return 2;
            case >= 0x20 and < 0x7f when !(escapeFormula && b is (byte)'=' or (byte)'+' or (byte)'-' or (byte)'@'):
                s[0] = (char)b; return 1;
            default:
                s[0] = '\\'; s[1] = 'x';
                s[2] = "0123456789abcdef"[b >> 4];
                s[3] = "0123456789abcdef"[b & 15];
                return 4;
        }
    }

    /// <summary>The bytes a banner text stands for; a malformed escape is taken as its characters (a report edited by hand still reads).</summary>
    public static byte[] Decode(string text)
    {
        var bytes = new List<byte>(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\\' && i + 1 < text.Length)
            {
                char n = text[i + 1];
                switch (n)
                {
                    case '\\': bytes.Add((byte)'\\'); i++; continue;
                    case 't': bytes.Add((byte)'\t'); i++; continue;
                    case 'n': bytes.Add((byte)'\n'); i++; continue;
                    case 'r': bytes.Add((byte)'\r'); i++; continue;
                    case 'x' when i + 3 < text.Length && Hex(text[i + 2]) is >= 0 and var hi && Hex(text[i + 3]) is >= 0 and var lo:
                        bytes.Add((byte)(hi << 4 | lo)); i += 3; continue;
                }
            }
            if (c < 0x80) bytes.Add((byte)c);
            else bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
        }
        return [.. bytes];
    }

    private static int Hex(char c) => c is >= '0' and <= '9' ? c - '0' : c is >= 'a' and <= 'f' ? c - 'a' + 10 : c is >= 'A' and <= 'F' ? c - 'A' + 10 : -1;
}
