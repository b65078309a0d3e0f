using System.Globalization;
using System.Text;
using RawScan.Results;

namespace RawScan.Registry;

/// <summary>One tcp or udp line of a services file. Name is null for nmap's "unknown".</summary>
internal readonly record struct ServiceEntry(string? Name, Protocol Protocol, ushort Port, double Frequency);

/// <summary>What one parse found: the entries, and how many lines were skipped as malformed.</summary>
internal sealed record ServiceFile(List<ServiceEntry> Entries, int Malformed);

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

    private const int MaxNameLength = 64;

    /// <summary>Reads a system file whole, or says why not. Never throws for what the file system does.</summary>
    internal static bool TryRead(string path, out string text, out string? problem)
    {
        text = "";
        try
        {
            // A fixed cap, not File.ReadAllText: a services path that is a device or a runaway file must
            // not take the scanner's memory with it.
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
            var buffer = new byte[fs.CanSeek && fs.Length is > 0 and <= MaxFileBytes ? (int)fs.Length + 1 : 64 << 10];
            int total = 0;
            while (true)
            {
                if (total == buffer.Length)
                {
                    if (buffer.Length > MaxFileBytes) { problem = $"larger than {MaxFileBytes >> 20} MiB"; return false; }
                    Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxFileBytes + 1));
                }
                int n = fs.Read(buffer, total, buffer.Length - total);
                if (n == 0) break;
                total += n;
            }
            text = Encoding.UTF8.GetString(buffer, 0, total);   // invalid bytes become U+FFFD: such lines fail the name check
            problem = null;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            problem = e is FileNotFoundException or DirectoryNotFoundException ? "not found" : e.Message;
            return false;
        }
    }

    /// <summary>Parses /etc/services (nmap: false) or nmap-services (nmap: true). Lines of other protocols
    /// (sctp, ddp) are not malformed, only not ours; they are skipped without being counted.</summary>
    internal static ServiceFile Parse(string text, bool nmap, Dictionary<string, string> names)
    {
        var pool = names.GetAlternateLookup<ReadOnlySpan<char>>();
        var entries = new List<ServiceEntry>();
        int malformed = 0;
        foreach (var rawLine in text.AsSpan().EnumerateLines())
        {
            var line = StripComment(rawLine);
            if (line.IsWhiteSpace()) continue;
            var name = NextToken(ref line);
            var portProto = NextToken(ref line);
            var third = NextToken(ref line);
            double frequency = 0;
            if (!ValidName(name) || !TryPortProto(portProto, out ushort port, out Protocol? protocol)
                || (nmap && !TryFrequency(third, out frequency)))
            {
                malformed++;
                continue;
            }
            if (protocol is not { } p) continue;
            string? interned = null;
            // nmap-services says "unknown" for ~15,000 ports it has a frequency for but no name: that is no name.
            if (!(nmap && name.SequenceEqual("unknown")) && !pool.TryGetValue(name, out interned))
            {
                interned = name.ToString();
                names[interned] = interned;
            }
            entries.Add(new ServiceEntry(interned, p, port, frequency));
        }
        return new ServiceFile(entries, malformed);
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
