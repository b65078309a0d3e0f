using System.Globalization;
using System.Text;
using RawScan.Results;

namespace RawScan.Registry;

/// <summary>One tcp or udp line of a services file. Name is null for nmap's "unknown".</summary>
internal readonly record struct ServiceEntry(string? Name, Protocol Protocol, ushort Port, double Frequency);

/// <summary>
/// What one parse found: the entries of the ports asked for, how many good tcp and udp lines the file
/// has (asked for or not), and how many lines were skipped as malformed.
/// </summary>
internal sealed record ServiceFile(List<ServiceEntry> Entries, int Count, int Malformed);

/// <summary>
/// Readers for /etc/services ("name port/proto [aliases] [# comment]"), nmap-services
/// ("name port/proto open-frequency [# comment]") and the project's own tables. System files are read
/// defensively: a bad line is skipped and counted, a bad file is reported, nothing throws. The project's
/// tables are ours, so a bad line there throws: a test catches it before anyone ships it.
/// </summary>
internal static class ServiceFiles
{
    /// <summary>nmap-services is ~1 MB, /etc/services ~13 kB: a file this large is not one of them.</summary>
    internal const int MaxFileBytes = 32 << 20;

    /// <summary>
    /// What of a line is read: its first 64 Ki chars. A line means its first three tokens (a name of at
    /// most 64 characters, port/proto, a frequency); the rest is aliases and comment. Longer lines are
    /// garbage, and keeping them whole would let a file without line breaks take twice its size in memory.
    /// </summary>
    internal const int MaxLineChars = 64 << 10;

    private const int MaxNameLength = 64;
    private const int ChunkBytes = 16 << 10;

    /// <summary>
    /// Reads and parses a system file in 16 KiB pieces (never the whole file in memory, no string per
    /// line), keeping the entries <paramref name="wanted"/> takes (every one when null), or says why not.
    /// Never throws for what the file system does; a file over <see cref="MaxFileBytes"/> gives nothing.
    /// </summary>
    internal static bool TryParse(string path, bool nmap, Dictionary<string, string> names, Func<Protocol, ushort, bool>? wanted,
                                  out ServiceFile file, out string? problem)
    {
        file = new ServiceFile([], 0, 0);
        try
        {
            // Not File.ReadAllText: a services path that is a device or a runaway file must not take the
            // scanner's memory with it.
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
            var parser = new Parser(nmap, names, wanted);
            var decoder = Encoding.UTF8.GetDecoder();           // invalid bytes become U+FFFD: such lines fail the name check
            var bytes = new byte[ChunkBytes];
            var chars = new char[MaxLineChars + Encoding.UTF8.GetMaxCharCount(ChunkBytes)];
            int held = 0;                                        // chars of an unfinished line carried to the next piece
            bool overlong = false;                               // the carried line was cut at MaxLineChars: its rest is dropped
            long total = 0;
            while (true)
            {
                int n = fs.Read(bytes, 0, bytes.Length);
                total += n;
                if (total > MaxFileBytes) { problem = $"larger than {MaxFileBytes >> 20} MiB"; return false; }
                bool last = n == 0;
                int len = held + decoder.GetChars(bytes, 0, n, chars, held, flush: last);
                if (overlong)
                {
                    // The rest of a cut line, up to its break, is not read.
                    int rest = chars.AsSpan(held, len - held).IndexOfAny(LineBreaks);
                    int drop = rest < 0 ? len - held : rest;
                    Array.Copy(chars, held + drop, chars, held, len - held - drop);
                    len -= drop;
                    overlong = rest < 0;
                }
                int end = last ? len : AfterLastBreak(chars.AsSpan(0, len));
                if (end > 0) parser.Lines(chars.AsSpan(0, end));
                held = len - end;
                Array.Copy(chars, end, chars, 0, held);
                if (held > MaxLineChars) { held = MaxLineChars; overlong = true; }
                if (last) break;
            }
            file = parser.Result();
            problem = null;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            problem = e is FileNotFoundException or DirectoryNotFoundException ? "not found" : e.Message;
            return false;
        }
    }

    /// <summary>Where the last line break of <paramref name="s"/> ends (0 when none): the lines before it are whole.</summary>
    private static int AfterLastBreak(ReadOnlySpan<char> s)
    {
        // The separators ReadOnlySpan<char>.EnumerateLines splits on, so a file read in pieces splits as one string would.
        int i = s.LastIndexOfAny(LineBreaks);
        return i + 1;
    }

    private static readonly System.Buffers.SearchValues<char> LineBreaks = System.Buffers.SearchValues.Create("\r\n\f\u0085\u2028\u2029");

    /// <summary>Parses /etc/services (nmap: false) or nmap-services (nmap: true) held whole in a string (the project's own table).</summary>
    internal static ServiceFile Parse(string text, bool nmap, Dictionary<string, string> names, Func<Protocol, ushort, bool>? wanted = null)
    {
        var parser = new Parser(nmap, names, wanted);
        parser.Lines(text);
        return parser.Result();
    }

    /// <summary>
    /// One file's lines, fed in whole lines. Lines of other protocols (sctp, ddp) are not malformed, only
    /// not ours; they are skipped without being counted. Every line is checked (so the counts are the
    /// file's whatever is asked for); only a line of a wanted port costs a name string, and only the
    /// first time that name is seen.
    /// </summary>
    private sealed class Parser(bool nmap, Dictionary<string, string> names, Func<Protocol, ushort, bool>? wanted)
    {
        private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _pool = names.GetAlternateLookup<ReadOnlySpan<char>>();
        private readonly List<ServiceEntry> _entries = [];
        private int _count, _malformed;

        public ServiceFile Result() => new(_entries, _count, _malformed);

        public void Lines(ReadOnlySpan<char> text)
        {
            foreach (var rawLine in text.EnumerateLines()) Line(rawLine);
        }

        private void Line(ReadOnlySpan<char> rawLine)
        {
            var line = StripComment(rawLine);
            if (line.IsWhiteSpace()) return;
            var name = NextToken(ref line);
            var portProto = NextToken(ref line);
            var third = NextToken(ref line);
            double frequency = 0;
            if (!ValidName(name) || !TryPortProto(portProto, out ushort port, out Protocol? protocol)
                || (nmap && !TryFrequency(third, out frequency)))
            {
                _malformed++;
                return;
            }
            if (protocol is not { } p) return;
            _count++;
            if (wanted is not null && !wanted(p, port)) return;
            string? interned = null;
            // nmap-services says "unknown" for ~15,000 ports it has a frequency for but no name: that is no name.
            if (!(nmap && name.SequenceEqual("unknown")) && !_pool.TryGetValue(name, out interned))
            {
                interned = name.ToString();
                names[interned] = interned;
            }
            _entries.Add(new ServiceEntry(interned, p, port, frequency));
        }
    }

    /// <summary>The project's flags table: "port/proto backdoor|alternate note [# source]".</summary>
    internal static List<(Protocol Protocol, ushort Port, PortFlags Flag, string Note)> ParseFlags(string text)
    {
        var result = new List<(Protocol, ushort, PortFlags, string)>();
        int lineNumber = 0;
        foreach (var rawLine in text.AsSpan().EnumerateLines())
        {
            lineNumber++;
            var line = StripComment(rawLine);
            if (line.IsWhiteSpace()) continue;
            var portProto = NextToken(ref line);
            var flag = NextToken(ref line);
            var note = line.Trim();
            PortFlags f = flag.SequenceEqual("backdoor") ? PortFlags.Backdoor
                : flag.SequenceEqual("alternate") ? PortFlags.AlternateService : PortFlags.None;
            if (!TryPortProto(portProto, out ushort port, out Protocol? protocol) || protocol is not { } p || f == PortFlags.None || note.IsEmpty)
                throw new InvalidDataException($"flags.txt line {lineNumber}: \"{rawLine.ToString()}\"");
            result.Add((p, port, f, note.ToString()));
        }
        return result;
    }

    /// <summary>The project's top-ports list: "tcp|udp port port ...", lines of a protocol appending in order.</summary>
    internal static (List<ushort> Tcp, List<ushort> Udp) ParseTopPorts(string text)
    {
        var tcp = new List<ushort>();
        var udp = new List<ushort>();
        int lineNumber = 0;
        foreach (var rawLine in text.AsSpan().EnumerateLines())
        {
            lineNumber++;
            var line = StripComment(rawLine);
            if (line.IsWhiteSpace()) continue;
            var proto = NextToken(ref line);
            var list = proto.SequenceEqual("tcp") ? tcp : proto.SequenceEqual("udp") ? udp
                : throw new InvalidDataException($"top-ports.txt line {lineNumber}: unknown protocol");
            for (var token = NextToken(ref line); !token.IsEmpty; token = NextToken(ref line))
            {
                if (!ushort.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out ushort port) || list.Contains(port))
                    throw new InvalidDataException($"top-ports.txt line {lineNumber}: bad or repeated port \"{token.ToString()}\"");
                list.Add(port);
            }
        }
        return (tcp, udp);
    }

    private static ReadOnlySpan<char> StripComment(ReadOnlySpan<char> line)
    {
        int hash = line.IndexOf('#');
        return hash >= 0 ? line[..hash] : line;
    }

    private static ReadOnlySpan<char> NextToken(ref ReadOnlySpan<char> s)
    {
        s = s.TrimStart();
        int end = 0;
        while (end < s.Length && !char.IsWhiteSpace(s[end])) end++;
        var token = s[..end];
        s = s[end..];
        return token;
    }

    /// <summary>Printable ASCII without spaces: what both files use (nmap has "X11:1", "NFS-or-IIS").</summary>
    private static bool ValidName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || name.Length > MaxNameLength) return false;
        foreach (char c in name)
            if (c <= ' ' || c > '~') return false;
        return true;
    }

    /// <summary>"port/proto" with port 0-65535. protocol is null (and the result true) for a well-formed
    /// line of another protocol.</summary>
    private static bool TryPortProto(ReadOnlySpan<char> s, out ushort port, out Protocol? protocol)
    {
        protocol = null;
        port = 0;
        int slash = s.IndexOf('/');
        if (slash <= 0 || slash == s.Length - 1) return false;
        if (!ushort.TryParse(s[..slash], NumberStyles.None, CultureInfo.InvariantCulture, out port)) return false;
        var proto = s[(slash + 1)..];
        if (proto.SequenceEqual("tcp")) protocol = Protocol.Tcp;
        else if (proto.SequenceEqual("udp")) protocol = Protocol.Udp;
        else if (!ValidName(proto)) return false;
        return true;
    }

    private static bool TryFrequency(ReadOnlySpan<char> s, out double frequency) =>
        double.TryParse(s, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out frequency)
        && double.IsFinite(frequency) && frequency <= 1;
}
