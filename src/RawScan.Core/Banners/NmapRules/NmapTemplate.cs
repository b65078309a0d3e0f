using System.Text;
using System.Text.RegularExpressions;
using RegexMatch = System.Text.RegularExpressions.Match;

namespace RawScan.Banners;

/// <summary>
/// Fills a version template of nmap-service-probes from a match: $1..$9 (the group), $P(n) (its
/// printable characters), $SUBST(n,"from","to") (with replacements), $I(n,"&gt;") or $I(n,"&lt;") (its
/// bytes as an unsigned big- or little-endian number). Unknown forms are left as written.
/// </summary>
internal static class NmapTemplate
{
    public static string? Fill(string? template, RegexMatch m)
    {
        if (template is null) return null;
        if (template.IndexOf('$') < 0) return template.Length == 0 ? null : template;
        var o = new StringBuilder(template.Length + 16);
        int i = 0;
        while (i < template.Length)
        {
            char c = template[i];
            if (c != '$' || i + 1 >= template.Length) { o.Append(c); i++; continue; }
            char k = template[i + 1];
            if (char.IsAsciiDigit(k)) { o.Append(Group(m, k - '0')); i += 2; continue; }
            int close = template.IndexOf(')', i);
            if (close < 0) { o.Append(c); i++; continue; }
            string call = template[(i + 1)..(close + 1)];
            string? done = Call(call, m);
            if (done is null) { o.Append(c); i++; continue; }
            o.Append(done);
            i = close + 1;
        }
        string s = o.ToString().Trim();
        return s.Length == 0 ? null : s;
    }

    private static string Group(RegexMatch m, int n) => n < m.Groups.Count && m.Groups[n].Success ? m.Groups[n].Value : "";

    private static string? Call(string call, RegexMatch m)
    {
        int open = call.IndexOf('(');
        if (open < 0) return null;
        string name = call[..open];
        var args = Arguments(call[(open + 1)..^1]);
        if (args.Count == 0 || !int.TryParse(args[0], out int n)) return null;
        string g = Group(m, n);
        switch (name)
        {
            case "P":
                var sb = new StringBuilder(g.Length);
                foreach (char ch in g) if (ch is >= ' ' and <= '~') sb.Append(ch);
                return sb.ToString();
            case "SUBST" when args.Count == 3:
                return args[1].Length == 0 ? g : g.Replace(args[1], args[2], StringComparison.Ordinal);
            case "I" when args.Count == 2 && g.Length is > 0 and <= 8:
                ulong v = 0;
                if (args[1] == ">") foreach (char ch in g) v = (v << 8) | (byte)ch;
                else for (int k = g.Length - 1; k >= 0; k--) v = (v << 8) | (byte)g[k];
                return v.ToString(System.Globalization.CultureInfo.InvariantCulture);
            default:
                return null;
        }
    }

    /// <summary>n,"a","b": the number and the quoted strings.</summary>
    private static List<string> Arguments(string s)
    {
        var list = new List<string>();
        int i = 0;
        while (i < s.Length)
        {
            while (i < s.Length && (s[i] == ',' || s[i] == ' ')) i++;
            if (i >= s.Length) break;
            if (s[i] == '"')
            {
                int end = s.IndexOf('"', i + 1);
                if (end < 0) break;
                list.Add(s[(i + 1)..end]);
                i = end + 1;
            }
            else
            {
                int end = s.IndexOf(',', i);
                if (end < 0) end = s.Length;
                list.Add(s[i..end].Trim());
                i = end;
            }
        }
        return list;
    }
}
