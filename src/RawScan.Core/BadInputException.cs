using System.Text;

namespace RawScan;

/// <summary>
/// Bad user input: a target, port, option or file. Carries the offending token so the CLI can print
/// one line that names it, before any capture is opened or any packet is sent.
/// </summary>
public sealed class BadInputException(string what, string token, string reason)
    : Exception(OneLine($"bad {what} '{token}': {reason}"))
{
    public string What { get; } = what;
    public string Token { get; } = token;
    public string Reason { get; } = reason;

    /// <summary>
    /// The message stays one line whatever the token (or a file name in it) holds: `--rate $'1\n2'`
    /// printed its line break as itself, splitting the error over two lines, and an escape sequence
    /// reached the terminal. Control characters are written as C escapes (\n, \x1b); <see cref="Token"/>
    /// keeps the text as given.
    /// </summary>
    private static string OneLine(string s)
    {
        if (!s.Any(IsBreaking)) return s;
        var sb = new StringBuilder(s.Length + 8);
        foreach (char c in s)
        {
            if (!IsBreaking(c)) sb.Append(c);
            else if (c == '\n') sb.Append("\\n");
            else if (c == '\r') sb.Append("\\r");
            else if (c == '\t') sb.Append("\\t");
            else if (c <= '\xff') sb.Append($"\\x{(int)c:x2}");
            else sb.Append($"\\u{(int)c:x4}");
        }
        return sb.ToString();
    }

    /// <summary>C0, DEL and C1 controls (NEL among them) and Unicode's own line and paragraph separators.</summary>
    private static bool IsBreaking(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';
}
