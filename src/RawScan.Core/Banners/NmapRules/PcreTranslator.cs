using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace RawScan.Banners;

/// <summary>
/// nmap-service-probes' patterns are PCRE over bytes; .NET's Regex reads them over the banner as
/// Latin-1 chars after this translation: \xH(H) and \0oo to \xHH, \h, \Q...\E, POSIX classes,
/// (?P&lt;name&gt;), possessive quantifiers dropped (they only forbid backtracking). It also says
/// whether the pattern can run without backtracking (no backreference, lookaround, atomic group,
/// conditional or \G) and finds the literal text every match must start with and the longest literal
/// every match must contain, which index the rules so most are never compiled.
/// </summary>
internal static class PcreTranslator
{
    public sealed record Result(string Pattern, bool NonBacktracking, byte[] Prefix, byte[] Required);

    /// <summary>The .NET pattern, or null when it uses what .NET has no form for (counted by the caller).</summary>
    public static Result? Translate(string pcre)
    {
        var o = new StringBuilder(pcre.Length + 16);
        bool linear = true;
        int i = 0;
        while (i < pcre.Length)
        {
            char c = pcre[i];
            if (c == '\\')
            {
                if (!Escape(pcre, ref i, o, inClass: false, ref linear)) return null;
                continue;
            }
            if (c == '[')
            {
                if (!Class(pcre, ref i, o)) return null;
                continue;
            }
            if (c == '(' && i + 1 < pcre.Length && pcre[i + 1] == '?')
            {
                string rest = pcre[(i + 2)..];
                if (rest.StartsWith('=') || rest.StartsWith('!') || rest.StartsWith("<=") || rest.StartsWith("<!") || rest.StartsWith('>') || rest.StartsWith('('))
                    linear = false;
                else if (rest.StartsWith("P<")) { o.Append("(?<"); i += 4; continue; }
                else if (rest.StartsWith("P=")) { int close = pcre.IndexOf(')', i); if (close < 0) return null; o.Append("\\k<").Append(pcre, i + 4, close - i - 4).Append('>'); i = close + 1; linear = false; continue; }
                else if (rest.StartsWith("P>") || rest.StartsWith('R') || rest.StartsWith('|')) return null;
            }
            o.Append(c);
            i++;
            bool quantifier = c is '*' or '+' or '?' || (c == '}' && IsQuantifierEnd(pcre, i - 1));
            if (quantifier && i < pcre.Length && pcre[i] == '+') i++;          // possessive: drop the +
        }
        var (prefix, required) = Literals(pcre);
        return new Result(o.ToString(), linear, prefix, required);
    }

    private static bool IsQuantifierEnd(string p, int close)
    {
        int open = p.LastIndexOf('{', close);
        if (open < 0) return false;
        for (int k = open + 1; k < close; k++)
            if (!char.IsAsciiDigit(p[k]) && p[k] != ',') return false;
        return close > open + 1;
    }

    private static bool Escape(string p, ref int i, StringBuilder o, bool inClass, ref bool linear)
    {
        if (i + 1 >= p.Length) return false;
        char e = p[i + 1];
        i += 2;
        switch (e)
        {
            case 'x':
                if (i < p.Length && p[i] == '{')
                {
                    int close = p.IndexOf('}', i);
                    if (close < 0 || !int.TryParse(p.AsSpan(i + 1, close - i - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int big) || big > 0xff) return false;
                    o.Append("\\x").Append(big.ToString("x2", CultureInfo.InvariantCulture));
                    i = close + 1;
                    return true;
                }
                int n = 0, v = 0;
                while (n < 2 && i < p.Length && char.IsAsciiHexDigit(p[i])) { v = v * 16 + HexValue(p[i]); i++; n++; }
                o.Append("\\x").Append(v.ToString("x2", CultureInfo.InvariantCulture));
                return true;
            case '0':
                int ov = 0, on = 0;
                while (on < 2 && i < p.Length && p[i] is >= '0' and <= '7') { ov = ov * 8 + (p[i] - '0'); i++; on++; }
                o.Append("\\x").Append(ov.ToString("x2", CultureInfo.InvariantCulture));
                return true;
            case >= '1' and <= '9':
                if (inClass) return false;
                linear = false;
                o.Append('\\').Append(e);
                return true;
            case 'h':
                o.Append(inClass ? " \\t" : "[ \\t]");
                return true;
            case 'H':
                if (inClass) return false;
                o.Append("[^ \\t]");
                return true;
            case 'Q':
                int end = p.IndexOf("\\E", i, StringComparison.Ordinal);
                string lit = end < 0 ? p[i..] : p[i..end];
                foreach (char ch in lit) AppendLiteral(o, ch);
                i = end < 0 ? p.Length : end + 2;
                return true;
            case 'E':
                return true;
            case 'G':
                linear = false;
                o.Append("\\G");
                return true;
            case 'd' or 'D' or 'w' or 'W' or 's' or 'S' or 'n' or 'r' or 't' or 'f' or 'e' or 'a' or 'v':
                o.Append('\\').Append(e);
                return true;
            case 'b' or 'B' or 'A' or 'z' or 'Z':
                if (inClass) { if (e != 'b') return false; o.Append("\\x08"); return true; }
                o.Append('\\').Append(e);
                return true;
            default:
                if (char.IsAsciiLetterOrDigit(e)) return false;
                AppendLiteral(o, e);
                return true;
        }
    }

    private static bool Class(string p, ref int i, StringBuilder o)
    {
        o.Append('[');
        i++;
        if (i < p.Length && p[i] == '^') { o.Append('^'); i++; }
        if (i < p.Length && p[i] == ']') { o.Append("\\]"); i++; }
        bool ignored = true;
        while (i < p.Length)
        {
            char c = p[i];
            if (c == ']') { o.Append(']'); i++; return true; }
            if (c == '\\') { if (!Escape(p, ref i, o, inClass: true, ref ignored)) return false; continue; }
            if (c == '[' && i + 1 < p.Length && p[i + 1] == ':')
            {
                int close = p.IndexOf(":]", i + 2, StringComparison.Ordinal);
                if (close < 0) return false;
                string? set = p[(i + 2)..close] switch
                {
                    "alpha" => "a-zA-Z", "digit" => "0-9", "alnum" => "a-zA-Z0-9", "space" => "\\s", "xdigit" => "0-9A-Fa-f",
                    "upper" => "A-Z", "lower" => "a-z", "print" => "\\x20-\\x7e", "graph" => "\\x21-\\x7e", "punct" => "!-/:-@\\[-`{-~",
                    "cntrl" => "\\x00-\\x1f\\x7f", "blank" => " \\t", "word" => "\\w",
                    _ => null,
                };
                if (set is null) return false;
                o.Append(set);
                i = close + 2;
                continue;
            }
            if (c == '[') { o.Append("\\["); i++; continue; }
            o.Append(c);
            i++;
        }
        return false;
    }

    private static void AppendLiteral(StringBuilder o, char c)
    {
        if (c is '\\' or '*' or '+' or '?' or '|' or '{' or '}' or '[' or ']' or '(' or ')' or '^' or '$' or '.' or '#' or ' ' or '-')
            o.Append('\\').Append(c);
        else if (c < 0x20 || c > 0x7e)
            o.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
        else
            o.Append(c);
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    /// <summary>
    /// The literal bytes a match must start with (a pattern anchored by ^ whose first atoms are
    /// literal), and the longest run of literal bytes at the top level (outside groups and classes)
    /// that every match must contain. Empty when there is none, or when the pattern has a top-level
    /// alternation (either side may match).
    /// </summary>
    internal static (byte[] Prefix, byte[] Required) Literals(string p)
    {
        var runs = new List<List<byte>>();
        var run = new List<byte>();
        int depth = 0;
        bool anchored = p.StartsWith('^');
        bool prefixOpen = anchored;
        List<byte>? prefix = anchored ? [] : null;
        int i = anchored ? 1 : 0;
        void Break() { if (run.Count > 0) runs.Add(run); run = []; prefixOpen = false; }
        while (i < p.Length)
        {
            char c = p[i];
            int literal = -1;
            int next = i + 1;
            if (c == '\\' && i + 1 < p.Length)
            {
                char e = p[i + 1];
                next = i + 2;
                if (e == 'x')
                {
                    int n = 0, v = 0;
                    while (n < 2 && next < p.Length && char.IsAsciiHexDigit(p[next])) { v = v * 16 + HexValue(p[next]); next++; n++; }
                    literal = n > 0 ? v : -1;
                }
                else if (e == '0')
                {
                    int v = 0, n = 0;
                    while (n < 2 && next < p.Length && p[next] is >= '0' and <= '7') { v = v * 8 + (p[next] - '0'); next++; n++; }
                    literal = v;
                }
                else if (e == 'r') literal = '\r';
                else if (e == 'n') literal = '\n';
                else if (e == 't') literal = '\t';
                else if (!char.IsAsciiLetterOrDigit(e)) literal = e;
            }
            else if (c == '[')
            {
                int k = i + 1;
                if (k < p.Length && p[k] == '^') k++;
                if (k < p.Length && p[k] == ']') k++;
                while (k < p.Length && p[k] != ']') { if (p[k] == '\\') k++; else if (p[k] == '[' && k + 1 < p.Length && p[k + 1] == ':') { int close = p.IndexOf(":]", k, StringComparison.Ordinal); if (close > 0) k = close + 1; } k++; }
                next = k + 1;
            }
            else if (c == '(') depth++;
            else if (c == ')') depth--;
            else if (c == '|') { if (depth == 0) return ([], []); }
            else if (c is not ('.' or '^' or '$' or '*' or '+' or '?' or '{')) literal = c;

            if (literal >= 0 && depth == 0 && literal <= 0xff)
            {
                bool optional = next < p.Length && (p[next] is '?' or '*' || (p[next] == '{' && next + 1 < p.Length && p[next + 1] == '0'));
                if (optional) { Break(); i = next; continue; }
                run.Add((byte)literal);
                if (prefixOpen) prefix!.Add((byte)literal);
                if (next < p.Length && p[next] is '+' or '{') Break();
            }
            else Break();
            i = next;
        }
        Break();
        var longest = runs.Count == 0 ? [] : runs.MaxBy(r => r.Count)!;
        return ((prefix ?? []).ToArray(), longest.ToArray());
    }
}
