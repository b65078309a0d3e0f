using System.Globalization;
using RawScan.Output;
using RawScan.Registry;
using RawScan.Results;
using RawScan.Targets;

namespace RawScan.Cli;

/// <summary>
/// rawscan merge FILE... [-oJ|-oC|-oX|-oG|-oH FILE] [-oA BASE]: one report from several (the shards of a
/// --shard I/N sweep, or scans of one network at different times), in any mix of the readable formats,
/// written in any format. Each (address, protocol, port) once, with the best knowledge any input has of it
/// (<see cref="Better"/>). Every input is read, and every output's folder checked, before any output file is
/// touched: bad input is one line naming the file or option, exit 2.
/// </summary>
internal static class MergeCommand
{
    public static readonly string Usage = $"""
        usage: rawscan merge FILE... [-oJ FILE] [-oC FILE] [-oX FILE] [-oG FILE] [-oH FILE] [-oA BASE]
          Merges RawScan reports (JSON lines, CSV, nmap XML, grepable; mixed, told apart by content) into one.
          Each address, protocol and port is listed once, with the best knowledge any input has of it:
          open beats closed beats filtered and open|filtered (an answer beats silence); among equals, the
          one with a banner finding (probed over table), then the one with more detail (product, version),
          then the latest. A report whose last line was cut short (its scan was killed) is merged without
          that line, with a warning. Outputs as in 'rawscan scan' ('-' is standard output, -oA BASE writes
          BASE.json, .csv, .xml, .gnmap); the table goes to standard output unless a report does.
          Every state the inputs list is listed; the run statistics count the merged results.
          Exit 0: merged, 1: an output could not be written, 2: bad input (a file that cannot be read as a
          report, an unknown option), before any output file is touched.
        """;

    public static int Run(string[] args) => Run(args, ScanCommand.StandardOutput, Console.Error, new LazyRegistry(() => ServiceRegistry.Default));

    /// <param name="stdout">Opened only when a report or the table goes to standard output.</param>
    internal static int Run(string[] args, Func<Stream> stdout, TextWriter stderr, IServiceRegistry registry)
    {
        if (args.Length == 1 && args[0] is "-h" or "--help")
        {
            using var w = new StreamWriter(stdout(), new System.Text.UTF8Encoding(false));
            w.WriteLine(Usage);
            return 0;
        }
        var inputs = new List<string>();
        var outputs = new List<(ReportFormat Format, string Path)>();
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string a = args[i];
                if (a == ReportFormats.AllFlag || ReportFormats.ByFlag(a) is not null)
                {
                    if (i + 1 >= args.Length) throw new BadInputException("option", a, "needs a value");
                    outputs.AddRange(ReportFormats.Expand(a, args[++i]));
                }
                else if (a.Length > 1 && a[0] == '-')
                    throw new BadInputException("option", a, "unknown option for merge (see 'rawscan merge --help')");
                else inputs.Add(a);
            }
            if (inputs.Count == 0) throw new BadInputException("command", "merge", "no files to merge given (see 'rawscan merge --help')");
            if (outputs.Count(x => x.Path == "-") > 1) throw new BadInputException("output file", "-", "only one output can go to standard output");
            foreach (var dup in outputs.GroupBy(x => x.Path).Where(g => g.Key != "-" && g.Count() > 1))
                throw new BadInputException("output file", dup.Key, "named twice");
            foreach (var (_, path) in outputs)
                if (path != "-") OptionParser.WritableFile(path, "output file");
        }
        catch (BadInputException e)
        {
            stderr.WriteLine($"rawscan: {e.Message}");
            return 2;
        }

        var all = new List<ReportEntry>();
        foreach (var path in inputs)
        {
            if (!ReportFiles.TryRead(path, stderr, out var entries)) return 2;
            all.AddRange(entries);
        }
        var merged = Merge(all);
        var header = Header(merged, CommandLine(args));
        var summary = Summary(merged);

        // Every file is written beside its place and renamed into it once whole: a merge that fails
        // half way leaves what was there before, as a scan's documents do.
        var writers = new List<(IReportWriter Writer, string Path, string? Temp)>();
        try
        {
            try
            {
                foreach (var (format, path) in outputs)
                {
                    if (path == "-") { writers.Add((format.Create(stdout(), registry), path, null)); continue; }
                    string temp = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", $".{Path.GetFileName(path)}.rawscan-{Environment.ProcessId}.tmp");
                    writers.Add((format.Create(new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16), registry), path, temp));
                }
                if (!outputs.Any(x => x.Path == "-"))
                    writers.Add((new TableWriter(new StreamWriter(stdout(), new System.Text.UTF8Encoding(false), 1 << 15), registry, new TableOptions(), ownsWriter: true), "-", null));
                foreach (var (w, _, _) in writers) w.Begin(header);
                foreach (var (r, f) in merged)
                    foreach (var (w, _, _) in writers)
                        if (f is null) w.OnResult(r); else w.OnService(r, f);
                foreach (var (w, _, _) in writers) { w.End(summary); w.Dispose(); }
                foreach (var (_, path, temp) in writers)
                    if (temp is not null) File.Move(temp, path, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
            {
                stderr.WriteLine($"rawscan: could not write the merged report: {ReportFiles.Printable(e.Message)}");
                foreach (var (w, _, temp) in writers)
                {
                    try { w.Dispose(); } catch (Exception again) when (again is IOException or UnauthorizedAccessException) { }
                    if (temp is not null) File.Delete(temp);
                }
                return 1;
            }
        }
        finally
        {
            foreach (var (w, _, _) in writers)
                try { w.Dispose(); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        stderr.WriteLine($"rawscan: merged {all.Count} results from {inputs.Count} {(inputs.Count == 1 ? "file" : "files")}: " +
                         $"{merged.Count} ports of {header.Targets} {(header.Targets == 1 ? "host" : "hosts")} " +
                         $"({summary.Open} open, {summary.Closed} closed, {summary.Filtered} filtered, {summary.OpenFiltered} open|filtered)");
        return 0;
    }

    private static string CommandLine(string[] args) => "rawscan merge " + string.Join(' ', args.Select(a => a.Contains(' ') ? $"\"{a}\"" : a));

    /// <summary>Each (address, protocol, port) once, its best entry (<see cref="Better"/>; the first read among equals), in address, protocol (TCP first), port order.</summary>
    internal static List<ReportEntry> Merge(IEnumerable<ReportEntry> entries)
    {
        var best = new Dictionary<(UInt128, Protocol, ushort), ReportEntry>();
        foreach (var e in entries)
        {
            var key = (e.Result.Address, e.Result.Protocol, e.Result.Port);
            if (!best.TryGetValue(key, out var kept) || Better(e, kept)) best[key] = e;
        }
        return [.. best.Values.OrderBy(e => e.Result.Address).ThenBy(e => e.Result.Protocol).ThenBy(e => e.Result.Port)];
    }

    /// <summary>
    /// Whether <paramref name="a"/> knows more than <paramref name="b"/> of one port: a state that says more
    /// (open, then closed, then filtered or open|filtered: a shard whose probe met a loss said filtered where
    /// another saw the answer), then an answer over silence (an ICMP-filtered port over a silent one), then a
    /// banner finding (probed over the registry's guess), then more detail (product, version, extra info),
    /// then the later result.
    /// </summary>
    internal static bool Better(ReportEntry a, ReportEntry b)
    {
        int c = StateRank(a.Result.State).CompareTo(StateRank(b.Result.State));
        if (c == 0) c = a.Result.Answered.CompareTo(b.Result.Answered);
        if (c == 0) c = FindingRank(a.Service).CompareTo(FindingRank(b.Service));
        if (c == 0) c = Detail(a.Service).CompareTo(Detail(b.Service));
        if (c == 0) c = a.Result.TimestampMicros.CompareTo(b.Result.TimestampMicros);
        return c > 0;
    }

    private static int StateRank(PortState s) => s switch { PortState.Open => 2, PortState.Closed => 1, _ => 0 };

    private static int FindingRank(ServiceFinding? f) => f is null ? 0 : f.Method == ServiceMethod.Probed ? 2 : 1;

    private static int Detail(ServiceFinding? f) =>
        f is null ? 0 : new[] { f.Product, f.Version, f.Info }.Count(v => !string.IsNullOrEmpty(v));

    /// <summary>
    /// The merged report's header: the ports any input has a result for, the distinct addresses as its
    /// targets, every state some input lists as listed (so nothing read is folded away), and partial: a
    /// port no input lists is not known to be anything (a default report lists open ports only), so the
    /// grouped reports count only what came rather than fill the rest in as filtered.
    /// </summary>
    internal static ScanHeader Header(IReadOnlyList<ReportEntry> merged, string commandLine)
    {
        static PortSet Ports(IEnumerable<ushort> ports) =>
            ports.Any() ? PortSet.Parse(string.Join(',', ports.Distinct().Order().Select(p => p.ToString(CultureInfo.InvariantCulture)))) : PortSet.None;
        var ports = new ScanPorts(
            Ports(merged.Where(e => e.Result.Protocol == Protocol.Tcp).Select(e => e.Result.Port)),
            Ports(merged.Where(e => e.Result.Protocol == Protocol.Udp).Select(e => e.Result.Port)));
        var show = new ShownStates(
            Closed: merged.Any(e => e.Result.State == PortState.Closed),
            Filtered: merged.Any(e => e.Result.State is PortState.Filtered or PortState.OpenFiltered));
        ulong targets = (ulong)merged.Select(e => e.Result.Address).Distinct().Count();
        return new ScanHeader(commandLine, DateTimeOffset.Now, ports, targets, typeof(Scanner).Assembly.GetName().Version?.ToString(3) ?? "0", show, Partial: true)
        {
            Banners = merged.Any(e => e.Service is not null),                // CSV's header makes room for the findings
        };
    }

    /// <summary>
    /// The merged report's run statistics: the state counts are the merged results' own, so XML's
    /// runstats and every report's "Not shown" add up. Nothing was sent by the merge: probes planned and
    /// sent are the number of merged results (one probe's answer each, as far as the reports know), and
    /// replies the answered ones; the counters of the wire (retransmits, drops, RTT) are the shards' and
    /// are not in their reports, so they are 0.
    /// </summary>
    internal static ScanSummary Summary(IReadOnlyList<ReportEntry> merged)
    {
        var counts = new long[4];
        foreach (var e in merged) counts[(int)e.Result.State]++;
        long n = merged.Count;
        return new ScanSummary
        {
            End = ScanEnd.Completed, Interface = "", SendPath = "merge", SourceIp = 0, NextHopMac = "",
            ProbesPlanned = n, ProbesSent = n, Replies = merged.Count(e => e.Result.Answered), Duplicates = 0, Forged = 0, Malformed = 0,
            Open = counts[(int)PortState.Open], Closed = counts[(int)PortState.Closed],
            Filtered = counts[(int)PortState.Filtered], OpenFiltered = counts[(int)PortState.OpenFiltered],
            Retransmits = 0, Late = 0, ResetsSent = 0, SmoothedRtt = TimeSpan.Zero, Timeout = TimeSpan.Zero, KernelDrops = 0,
            SendTime = TimeSpan.Zero, NextPosition = (ulong)n, LowPosition = (ulong)n, Duration = TimeSpan.Zero,
        };
    }
}
