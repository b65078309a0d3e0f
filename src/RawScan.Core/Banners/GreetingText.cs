using System.Text;

namespace RawScan.Banners;

/// <summary>Text helpers the recognisers share: lines, Latin-1 strings, "product/version (comment)".</summary>
internal static class GreetingText
{
    /// <summary>The bytes as chars 0-255, as nmap's rules read them.</summary>
    public static string Latin1(ReadOnlySpan<byte> b) => Encoding.Latin1.GetString(b);

    /// <summary>The first line, without its CR LF (the whole span when there is no line break).</summary>
    public static ReadOnlySpan<byte> FirstLine(ReadOnlySpan<byte> b)
    {
        int nl = b.IndexOf((byte)'\n');
        var line = nl < 0 ? b : b[..nl];
        return line.Length > 0 && line[^1] == '\r' ? line[..^1] : line;
    }

    /// <summary>Lines, without CR LF: the last one only if it ended.</summary>
    public static List<string> Lines(ReadOnlySpan<byte> b, int max = 32)
    {
        var lines = new List<string>();
        while (lines.Count < max)
        {
            int nl = b.IndexOf((byte)'\n');
            if (nl < 0) { if (!b.IsEmpty) lines.Add(Latin1(b).TrimEnd('\r')); break; }
            lines.Add(Latin1(b[..nl]).TrimEnd('\r'));
            b = b[(nl + 1)..];
        }
        return lines;
    }

    /// <summary>
    /// A reply of an RFC 5321 / RFC 959 line protocol: "ddd text" or continued "ddd-text" lines. The
    /// code and the texts of its lines, or false when the first line is not of that form.
    /// </summary>
    public static bool TryReply(ReadOnlySpan<byte> b, out int code, out List<string> texts)
    {
        code = 0;
        texts = [];
        foreach (var line in Lines(b))
        {
            if (line.Length < 3 || !char.IsAsciiDigit(line[0]) || !char.IsAsciiDigit(line[1]) || !char.IsAsciiDigit(line[2])) break;
            if (line.Length > 3 && line[3] != ' ' && line[3] != '-') break;
            int c = (line[0] - '0') * 100 + (line[1] - '0') * 10 + line[2] - '0';
            if (texts.Count == 0) code = c;
            else if (c != code) break;
            texts.Add(line.Length > 4 ? line[4..] : "");
            if (line.Length == 3 || line[3] == ' ') break;
        }
        return texts.Count > 0;
    }

    /// <summary>"name/1.2.3 (comment) more" -> name, 1.2.3, comment (RFC 9110's product tokens).</summary>
    public static (string Product, string? Version, string? Comment) ProductToken(string s)
    {
        s = s.Trim();
        int space = s.IndexOf(' ');
        string token = space < 0 ? s : s[..space];
        string rest = space < 0 ? "" : s[(space + 1)..].Trim();
        int slash = token.IndexOf('/');
        string product = slash < 0 ? token : token[..slash];
        string? version = slash < 0 || slash == token.Length - 1 ? null : token[(slash + 1)..];
        string? comment = null;
        if (rest.StartsWith('('))
        {
            int close = rest.IndexOf(')');
            comment = close > 1 ? rest[1..close] : null;
        }
        return (product, version, comment);
    }

    /// <summary>The word after <paramref name="marker"/> in <paramref name="s"/> when it starts with a digit (a version), or null.</summary>
    public static string? VersionAfter(string s, string marker)
    {
        int at = s.IndexOf(marker, StringComparison.OrdinalIgnoreCase);
        if (at < 0) return null;
        int i = at + marker.Length;
        while (i < s.Length && (s[i] == ' ' || s[i] == '/' || s[i] == '_' || s[i] == '-')) i++;
        int start = i;
        while (i < s.Length && !char.IsWhiteSpace(s[i]) && s[i] != ')' && s[i] != '(' && s[i] != ';' && s[i] != ',' && s[i] != ']') i++;
        return i > start && char.IsAsciiDigit(s[start]) ? s[start..i].TrimEnd('.') : null;
    }

    /// <summary>Whether every char is printable ASCII or a tab (what a text greeting's line is made of).</summary>
    public static bool IsText(ReadOnlySpan<byte> line)
    {
        foreach (byte c in line)
            if (c != '\t' && (c < 0x20 || c > 0x7e)) return false;
        return true;
    }
}
