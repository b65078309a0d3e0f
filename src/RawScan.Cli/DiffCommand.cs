using RawScan.Output;
using RawScan.Results;
using RawScan.Targets;

namespace RawScan.Cli;

/// <summary>
/// rawscan diff OLD NEW: what changed in what is exposed between two RawScan reports (JSON lines,
/// CSV, nmap XML or grepable, told apart by content), as ndiff's "+"/"-" lines, one change a line,
/// hosts in address order:
/// <code>
/// +198.18.0.9 appeared
/// +198.18.0.9 22/tcp open (was absent)
/// +198.18.0.1 443/tcp open (was closed)
/// -198.18.0.1 80/tcp open (now filtered)
/// *198.18.0.1 25/tcp filtered (was closed)
/// -198.18.0.7 disappeared
/// -198.18.0.7 22/tcp open (now absent)
/// </code>
/// "+" is a port open in NEW and not open in OLD, "-" the reverse, "*" any other change of state
/// between two states both reports list (closed to filtered: a firewall rule added or removed); a
/// port listed in one report and not the other is a change only when it is open (a default report
/// lists open ports only: "absent" there says nothing of a closed port). A host "appeared" when only
/// NEW has results for it, "disappeared" when only OLD has. Exit 0: no change, 1: changes, 2: bad
/// input: one line naming the file or argument, whatever the file holds (masscan's files, binary
/// data, a truncated XML, a directory), never the runtime's text.
/// </summary>
internal static class DiffCommand
{
    public const string Usage = "usage: rawscan diff OLD NEW   (two reports: JSON lines, CSV, nmap XML or grepable)";

    public static int Run(string[] args) => Run(args, Console.Out, Console.Error);

    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 1 && args[0] is "-h" or "--help")
        {
            stdout.WriteLine(Usage);
            return 0;
        }
        if (args.Length != 2)
        {
            stderr.WriteLine(args.FirstOrDefault(a => a.StartsWith('-')) is { } opt
                ? $"rawscan: bad argument '{opt}': diff takes no options ({Usage})"
                : $"rawscan: bad arguments: diff takes two files, OLD and NEW, not {args.Length} ({Usage})");
            return 2;
        }
        if (!TryRead(args[0], stderr, out var before) || !TryRead(args[1], stderr, out var after)) return 2;

        var lines = Compare(before, after);
        foreach (var line in lines) stdout.WriteLine(line);
        stdout.Flush();
        return lines.Count == 0 ? 0 : 1;
    }

    private static bool TryRead(string path, TextWriter stderr, out List<PortResult> results)
    {
        results = [];
        string reason;
        try
        {
            if (Directory.Exists(path)) reason = "is a directory, not a report";
            else
            {
                results = ReportReader.Read(path, out _, out bool cutShort);
                if (cutShort) stderr.WriteLine($"rawscan: {path}: its last line was cut short (its scan was killed while writing it) and is left out");
                return true;
            }
        }
        // The readers' FormatExceptions are our own one-line words; anything else is the runtime's
        // text (a permission message, a decoder's), which a user should not have to read.
        catch (FormatException e) { reason = Printable(e.Message); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { reason = "no such file"; }
        catch (UnauthorizedAccessException) { reason = "cannot be read (permission denied)"; }
        catch (Exception e) when (e is IOException or ArgumentException or NotSupportedException or System.Security.SecurityException
                                  or InvalidOperationException or KeyNotFoundException or OverflowException or OutOfMemoryException)
        {
            reason = "cannot be read as a report";
        }
        stderr.WriteLine($"rawscan: {new BadInputException("file", path, reason).Message}");
        return false;
    }

    /// <summary>One line of printable text: a binary file's bytes quoted in a message must not reach the terminal as controls.</summary>
    private static string Printable(string s)
    {
        var chars = s.ReplaceLineEndings(" ").ToCharArray();
        for (int i = 0; i < chars.Length; i++)
            if (char.IsControl(chars[i]) || chars[i] == '\uFFFD') chars[i] = '?';
        return new string(chars);
    }

    /// <summary>The change lines, hosts in address order, each host's ports TCP first then ascending.</summary>
    internal static List<string> Compare(IEnumerable<PortResult> before, IEnumerable<PortResult> after)
    {
        var old = Index(before);
        var now = Index(after);
        var lines = new List<string>();
        foreach (UInt128 host in old.Keys.Union(now.Keys).Order())
        {
            var a = old.GetValueOrDefault(host);
            var b = now.GetValueOrDefault(host);
            string ip = Ip.Format(host);
            if (a is null) lines.Add($"+{ip} appeared");
            if (b is null) lines.Add($"-{ip} disappeared");
            IEnumerable<(Protocol, ushort)> none = [];
            var ports = (a?.Keys ?? none).Union(b?.Keys ?? none).Order();
            foreach (var (proto, port) in ports)
            {
                PortState? was = a is not null && a.TryGetValue((proto, port), out var s1) ? s1 : null;
                PortState? isNow = b is not null && b.TryGetValue((proto, port), out var s2) ? s2 : null;
                bool wasOpen = was == PortState.Open, isOpen = isNow == PortState.Open;
                if (isOpen && !wasOpen) lines.Add($"+{ip} {port}/{proto.Name()} open (was {Name(was)})");
                else if (wasOpen && !isOpen) lines.Add($"-{ip} {port}/{proto.Name()} open (now {Name(isNow)})");
                else if (was is { } w && isNow is { } n && w != n) lines.Add($"*{ip} {port}/{proto.Name()} {n.Name()} (was {w.Name()})");
            }
        }
        return lines;
    }

    private static string Name(PortState? s) => s is { } v ? v.Name() : "absent";

    /// <summary>host -> (protocol, port) -> state; a port reported twice counts as open if either said so.</summary>
    private static Dictionary<UInt128, Dictionary<(Protocol, ushort), PortState>> Index(IEnumerable<PortResult> results)
    {
        var hosts = new Dictionary<UInt128, Dictionary<(Protocol, ushort), PortState>>();
        foreach (var r in results)
        {
            if (!hosts.TryGetValue(r.Address, out var ports)) hosts[r.Address] = ports = [];
            if (!ports.TryGetValue((r.Protocol, r.Port), out var s) || s != PortState.Open) ports[(r.Protocol, r.Port)] = r.State;
        }
        return hosts;
    }
}
