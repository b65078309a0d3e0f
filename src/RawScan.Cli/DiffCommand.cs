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
/// *198.18.0.5 22/tcp ssh OpenSSH 9.2p1 -> OpenSSH 9.3p1
/// *198.18.0.5 8080/tcp http nginx 1.22.1 -> ssh OpenSSH 9.2p1
/// </code>
/// "+" is a port open in NEW and not open in OLD, "-" the reverse, "*" any other change of state
/// between two states both reports list (closed to filtered: a firewall rule added or removed); a
/// port listed in one report and not the other is a change only when it is open (a default report
/// lists open ports only: "absent" there says nothing of a closed port). A host "appeared" when only
/// NEW has results for it, "disappeared" when only OLD has. A port open in both whose banner findings
/// (--banners; nmap -sV's in its XML or grepable) name another service, product or version is a "*"
/// change: the service and version before, "->", and after (the service once when it did not change);
/// a port that has a finding in only one report says nothing (the other scan did not grab banners). Exit 0: no change, 1: changes, 2: bad
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
        if (!ReportFiles.TryRead(args[0], stderr, out var before) || !ReportFiles.TryRead(args[1], stderr, out var after)) return 2;

        var lines = Compare(before, after);
        foreach (var line in lines) stdout.WriteLine(line);
        stdout.Flush();
        return lines.Count == 0 ? 0 : 1;
    }

    /// <summary>The change lines, hosts in address order, each host's ports TCP first then ascending.</summary>
    internal static List<string> Compare(IEnumerable<PortResult> before, IEnumerable<PortResult> after) =>
        Compare(before.Select(r => (ReportEntry)r), after.Select(r => (ReportEntry)r));

    /// <summary>As the results' form, and a changed banner finding of a port open in both.</summary>
    internal static List<string> Compare(IEnumerable<ReportEntry> before, IEnumerable<ReportEntry> after)
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
                Port? p1 = a is not null && a.TryGetValue((proto, port), out var x1) ? x1 : null;
                Port? p2 = b is not null && b.TryGetValue((proto, port), out var x2) ? x2 : null;
                PortState? was = p1?.State, isNow = p2?.State;
                bool wasOpen = was == PortState.Open, isOpen = isNow == PortState.Open;
                if (isOpen && !wasOpen) lines.Add($"+{ip} {port}/{proto.Name()} open (was {Name(was)})");
                else if (wasOpen && !isOpen) lines.Add($"-{ip} {port}/{proto.Name()} open (now {Name(isNow)})");
                else if (was is { } w && isNow is { } n && w != n) lines.Add($"*{ip} {port}/{proto.Name()} {n.Name()} (was {w.Name()})");
                else if (wasOpen && isOpen && ServiceChange(p1!.Value.Finding, p2!.Value.Finding) is { } change)
                    lines.Add($"*{ip} {port}/{proto.Name()} {change}");
            }
        }
        return lines;
    }

    /// <summary>"ssh OpenSSH 9.2p1 -> OpenSSH 9.3p1", "http nginx -> ssh OpenSSH 9.2p1"; null when both say the same, or either says nothing.</summary>
    private static string? ServiceChange(ServiceFinding? before, ServiceFinding? after)
    {
        if (before?.Service is null || after?.Service is null) return null;
        string s1 = Shown(before.Service), s2 = Shown(after.Service);
        string v1 = Product(before), v2 = Product(after);
        if (s1 == s2 && v1 == v2) return null;
        string Side(string v) => v.Length == 0 ? "(no version)" : v;
        return s1 == s2 ? $"{s1} {Side(v1)} -> {Side(v2)}" : $"{Join(s1, v1)} -> {Join(s2, v2)}";
    }

    private static string Join(string service, string version) => version.Length == 0 ? service : $"{service} {version}";

    /// <summary>Product and version as one text (a grepable report keeps only that text), controls made '?': it goes to a terminal.</summary>
    private static string Product(ServiceFinding f) =>
        ReportFiles.Printable(string.Join(' ', new[] { f.Product, f.Version }.Where(v => !string.IsNullOrEmpty(v))));

    private static string Shown(string s) => ReportFiles.Printable(s);

    private static string Name(PortState? s) => s is { } v ? v.Name() : "absent";

    /// <summary>A port as a report lists it: its state, and its banner finding if it has one.</summary>
    private readonly record struct Port(PortState State, ServiceFinding? Finding);

    /// <summary>host -> (protocol, port) -> state and finding; a port reported twice counts as open if either said so.</summary>
    private static Dictionary<UInt128, Dictionary<(Protocol, ushort), Port>> Index(IEnumerable<ReportEntry> results)
    {
        var hosts = new Dictionary<UInt128, Dictionary<(Protocol, ushort), Port>>();
        foreach (var (r, f) in results)
        {
            if (!hosts.TryGetValue(r.Address, out var ports)) hosts[r.Address] = ports = [];
            if (!ports.TryGetValue((r.Protocol, r.Port), out var s) || s.State != PortState.Open) ports[(r.Protocol, r.Port)] = new Port(r.State, f);
            else if (s.Finding is null && f is not null) ports[(r.Protocol, r.Port)] = s with { Finding = f };
        }
        return hosts;
    }
}
