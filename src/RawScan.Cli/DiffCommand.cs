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
/// -198.18.0.7 disappeared
/// -198.18.0.7 22/tcp open (now absent)
/// </code>
/// "opened" is a port open in NEW and not open in OLD, "closed" the reverse; a host "appeared" when
/// only NEW has results for it, "disappeared" when only OLD has. A change between two states that
/// are not open (closed to filtered) is not a change of exposure and is not reported. Exit 0: no
/// change, 1: changes, 2: bad input (one line naming the file or argument).
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
        try
        {
            results = ReportReader.Read(path);
            return true;
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            string reason = e is FileNotFoundException or DirectoryNotFoundException ? "no such file"
                : e.Message.ReplaceLineEndings(" ");
            stderr.WriteLine($"rawscan: {new BadInputException("file", path, reason).Message}");
            results = [];
            return false;
        }
    }

    /// <summary>The change lines, hosts in address order, each host's ports TCP first then ascending.</summary>
    internal static List<string> Compare(IEnumerable<PortResult> before, IEnumerable<PortResult> after)
    {
        var old = Index(before);
        var now = Index(after);
        var lines = new List<string>();
        foreach (uint host in old.Keys.Union(now.Keys).Order())
        {
            var a = old.GetValueOrDefault(host);
            var b = now.GetValueOrDefault(host);
            string ip = Ipv4.Format(host);
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
            }
        }
        return lines;
    }

    private static string Name(PortState? s) => s is { } v ? v.Name() : "absent";

    /// <summary>host -> (protocol, port) -> state; a port reported twice counts as open if either said so.</summary>
    private static Dictionary<uint, Dictionary<(Protocol, ushort), PortState>> Index(IEnumerable<PortResult> results)
    {
        var hosts = new Dictionary<uint, Dictionary<(Protocol, ushort), PortState>>();
        foreach (var r in results)
        {
            if (!hosts.TryGetValue(r.Address, out var ports)) hosts[r.Address] = ports = [];
            if (!ports.TryGetValue((r.Protocol, r.Port), out var s) || s != PortState.Open) ports[(r.Protocol, r.Port)] = r.State;
        }
        return hosts;
    }
}
