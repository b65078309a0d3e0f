using System.Diagnostics;
using System.Runtime.InteropServices;
using RawScan.Interop;
using RawScan.Lab;
using RawScan.Output;
using RawScan.Permutation;
using RawScan.Banners;
using RawScan.Registry;
using RawScan.Probes;
using RawScan.Results;
using RawScan.Routing;
using RawScan.Targets;

namespace RawScan.Cli;

/// <summary>`rawscan scan TARGETS -p PORTS [options]`: parse and check everything, then scan.</summary>
internal static class ScanCommand
{
    /// <param name="Outputs">Each file to write and its format (-oA expanded); "-" is standard output.</param>
    /// <param name="InnerArgs">The arguments for the same scan inside the lab: every option given but --lab.</param>
    /// <param name="SavedArgs">The arguments a resume file keeps: every option of the scan (a resumed one's saved and
    /// new ones) but those the table marks not saved (--lab, --resume, --seed).</param>
    /// <param name="Debug">--debug: an unexpected failure's stack trace is printed too.</param>
    /// <param name="ResumedFrom">--resume's file: the resumed scan keeps its place there, and removes it once complete.</param>
    /// <param name="Resumed">What --resume's file holds: the place, and how much of the journal it counts on.</param>
    internal sealed record Parsed(ScanOptions Options, IReadOnlyList<(ReportFormat Format, string Path)> Outputs, ShownStates Show, bool PacketTrace,
        bool StatusJson, string? Lab, string[] InnerArgs, string[] SavedArgs, string ResumePath, TableOptions Table, bool Debug,
        string? ResumedFrom = null, ResumeFile? Resumed = null);

    /// <summary>Set by a --lab run for the scan it starts inside the lab: the lab's name (for the resume hint) and the parent's pid.</summary>
    private const string LabEnv = "RAWSCAN_LAB", LabParentEnv = "RAWSCAN_LAB_PARENT";

    public static string Usage => ScanOptionTable.Usage;

    /// <summary>
    /// Reads and checks the whole command line (and the resume file it names) before anything else:
    /// every option through <see cref="ScanOptionTable"/>, so bad input is one line naming the token.
    /// </summary>
    public static Parsed Parse(string[] args)
    {
        var given = OptionParser.Read(args, ScanOptionTable.All);
        var resume = given.LastOrDefault(g => g.Option == ScanOptionTable.Resume);
        if (resume is null) return Build(given, given);

        // A resumed scan is the saved arguments, then those given now (a later value wins), then the saved seed.
        string file = resume.Value!;
        var saved = ResumeFile.Load(file);
        var savedGiven = OptionParser.Read(saved.Args, ScanOptionTable.All);
        // The saved position means something only in the saved order over the saved space: an option
        // that would change either (targets, ports, excludes, seed, shard, protocols, payloads) is
        // refused unless it repeats the saved value. Rate, wait, outputs, interface may change.
        foreach (var g in given)
            if (g.Option != ScanOptionTable.Resume && g.Option.Resume == OnResume.Fixed
                && !savedGiven.Any(s => s.Option == g.Option && s.Value == g.Value)
                // The seed is kept apart from the arguments (a random one was never given): its repeat is the saved seed.
                && !(g.Option == ScanOptionTable.Seed && ulong.TryParse(g.Value, out ulong repeated) && repeated == saved.Seed))
                throw new BadInputException("option", g.Option.IsOperand ? g.Value ?? "" : g.Option.Name,
                    $"cannot change on --resume: it would change the scan's order or coverage (the saved scan of {file} keeps its own)");
        var seed = new Given<ScanArgs>(ScanOptionTable.Seed, saved.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var p = Build([.. savedGiven, .. given.Where(g => g.Option != ScanOptionTable.Resume), seed], given);
        var shard = p.Options.Shard;
        if (saved.Position < shard.First || (saved.Position - shard.First) % (ulong)shard.Count != 0)
            throw new BadInputException("resume file", file, $"position {saved.Position} is not one of shard {shard}'s");
        // The probes that were in flight: the window between the settled prefix and the position, less
        // what the journal (as far as the place counts on it) already holds.
        ulong[] unsettled;
        string journal = saved.JournalPath(file);
        if (!File.Exists(journal)) throw new BadInputException("resume file", file, $"its journal {journal} is missing");
        try { unsettled = ResumePoint.Unsettled(p.Options, saved.Low, saved.Position, ResultJournal.Read(journal, saved.Seed, saved.JournalLength)); }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new BadInputException("resume file", file, e.Message);
        }
        return p with { Options = p.Options with { StartPosition = saved.Position, Unsettled = unsettled }, ResumedFrom = file, Resumed = saved };
    }

    /// <param name="scan">The options that make the scan, applied in order.</param>
    /// <param name="typed">The options as given on this command line: what the lab's inner run gets.</param>
    private static Parsed Build(IReadOnlyList<Given<ScanArgs>> scan, IReadOnlyList<Given<ScanArgs>> typed)
    {
        var a = new ScanArgs();
        foreach (var g in scan) g.Option.Set(a, g.Value ?? "");
        if (a.Targets.Count == 0 && a.IncludeFiles.Count == 0) throw new BadInputException("command", "scan", "no targets given");
        if (a.Ports is not null && a.TopPorts is not null) throw new BadInputException("option", "--top-ports", "give -p or --top-ports, not both");
        if (a.Ports is null && a.TopPorts is null) throw new BadInputException("command", "scan", "no ports given (-p PORTS or --top-ports N)");
        if (a.Outputs.Count(x => x.Path == "-") > 1) throw new BadInputException("output file", "-", "only one output can go to standard output");
        foreach (var dup in a.Outputs.GroupBy(x => x.Path).Where(g => g.Key != "-" && g.Count() > 1))
            throw new BadInputException("output file", dup.Key, "named twice");
        // Every output's folder is checked before any file is opened: a bad -oX after a good -oJ
        // left the -oJ file emptied.
        foreach (var (_, path) in a.Outputs)
            if (path != "-") OptionParser.WritableFile(path, "output file");
        var scanTypes = a.Types == 0 ? ScanTypes.Tcp : a.Types;
        string ports = a.TopPorts is not null ? TopPorts(int.Parse(a.TopPorts), scanTypes) : a.Ports!;
        var all = new List<IpRange>(TargetSet.Parse(a.Targets).Ranges);
        foreach (var f in a.IncludeFiles) all.AddRange(TargetFiles.Read(f, "target").Ranges);
        List<TargetSet> excludes = !a.BuiltinExclude ? a.Excludes
            : [.. a.Excludes, a.Options.Interface is null ? TargetFiles.BuiltinExclude : TargetFiles.BuiltinExcludeOnInterface];
        var scanned = new TargetSet(all).Except(new TargetSet(excludes.SelectMany(e => e.Ranges)));
        if (scanned.Count == 0) throw new BadInputException("targets", string.Join(",", a.Targets.Concat(a.IncludeFiles)), "no address left to scan after excludes");
        var o = a.Options with { Targets = scanned, Ports = ScanPorts.Parse(ports, scanTypes), Seed = a.SeedGiven ? a.Options.Seed : RandomSeed() };
        // The scan is indexed, never expanded; the index is 63 bits. An IPv6 /64 is 2^64 addresses.
        var size = ScanSize.Of(o.Targets, o.Ports);
        if (size > ScanSize.Max)
            throw new BadInputException("targets", string.Join(",", a.Targets.Concat(a.IncludeFiles)),
                $"the scan is {(size == UInt128.MaxValue ? "over 2^128" : size.ToString())} probes ({o.Targets.Count} addresses x {o.Ports.Count} ports), " +
                "more than the 2^63 a scan's index holds: scan a smaller prefix at a time (an IPv6 /64 is 2^64 addresses; a /96 is 2^32)");
        o = o with { UdpPayloads = UdpPayloads(o.Ports, a.NmapPayloads, a.UserPayloads) };
        if (a.MaxRate is not null && !o.AutoRate) throw new BadInputException("option", "--max-rate", "goes with --rate auto");
        if (o.Banners is { } banners)
        {
            if (o.Ports.Tcp.Count == 0) throw new BadInputException("option", "--banners", "needs TCP ports to connect to");
            o = o with
            {
                Banners = banners with
                {
                    MaxBytes = a.BannerBytes ?? banners.MaxBytes, Connections = a.BannerConnections ?? banners.Connections, Wait = a.BannerWait ?? banners.Wait,
                },
            };
        }
        else if (a.BannerBytes is not null || a.BannerConnections is not null || a.BannerWait is not null)
            throw new BadInputException("option", a.BannerBytes is not null ? "--banner-bytes" : a.BannerConnections is not null ? "--banner-connections" : "--banner-wait", "goes with --banners");
        if (a.Lab is not null) LabSpec.ValidateName(a.Lab);
        if (o.WritePcap is not null && !o.DryRun) throw new BadInputException("option", "--write-pcap", "goes with --dry-run");
        return new Parsed(o, a.Outputs, a.Show, a.PacketTrace, a.StatusJson, a.Lab,
            InnerArgs: OptionParser.Write(typed.Where(g => g.Option.ToLab)),
            SavedArgs: OptionParser.Write(scan.Where(g => g.Option.Saved)),
            a.ResumePath, new TableOptions(a.Reason, a.OpenLines), a.Debug);
    }

    /// <summary>
    /// The UDP probe of every port: the project's protocol probes over nmap's payloads (the file named,
    /// else Debian's when nmap is installed; read only for a scan with UDP ports), a --udp-payloads
    /// file over both. A file named but missing or bad is bad input.
    /// </summary>
    private static UdpPayloadTable UdpPayloads(ScanPorts ports, string? nmapPath, string? userPath)
    {
        if (nmapPath is null && ports.Udp.Count > 0 && File.Exists(NmapPayloads.DefaultPath)) nmapPath = NmapPayloads.DefaultPath;
        var table = UdpPayloadTable.Standard(nmapPath is null ? null : NmapPayloads.Load(nmapPath));
        return userPath is null ? table : UdpPayloadTable.Load(userPath, table);
    }

    /// <summary>The N most often open ports of each protocol asked for, from the registry, as a T:/U: list.</summary>
    private static string TopPorts(int n, ScanTypes types)
    {
        var parts = new List<string>();
        if (types.HasFlag(ScanTypes.Tcp)) parts.Add("T:" + string.Join(",", ServiceRegistry.Default.TopPorts(Protocol.Tcp, n)));
        if (types.HasFlag(ScanTypes.Udp)) parts.Add("U:" + string.Join(",", ServiceRegistry.Default.TopPorts(Protocol.Udp, n)));
        return string.Join(",", parts);
    }

    private static ulong RandomSeed() => SecureRandom.NextUInt64();

    public static int Run(string[] args)
    {
        var p = Parse(args);
        if (p.Lab is not null) return RunInLab(p);
        // The scan a --lab run started: it ends (saving its place) when that run ends, however it ends.
        if (int.TryParse(Environment.GetEnvironmentVariable(LabParentEnv), out int parent)) ParentDeath.TerminateWith(parent);

        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cts.Cancel(); });

        // Built for the scan's ports only (its results are of no other): a page of 256 entries for -p 80, not every port.
        var registry = new LazyRegistry(() => ServiceRegistry.ForPorts(p.Options.Ports));
        // The table is printed only when no report goes to standard output. It streams host blocks as
        // hosts settle, through its own buffer on standard output (a timer flushes it).
        bool printTable = !p.Outputs.Any(x => x.Path == "-");
        using var table = printTable ? new TableWriter(new StreamWriter(StandardOutput(), new System.Text.UTF8Encoding(false), 1 << 15), registry,
            p.Table, ownsWriter: true) : null;
        var summaryWriter = new SummaryWriter(registry);
        // A resumed scan's reports are the whole scan's (its journal is replayed into them first): only a shard is partial.
        var header = new ScanHeader(CommandLine(), DateTimeOffset.Now, p.Options.Ports, (ulong)p.Options.Targets.Count,
            typeof(Scanner).Assembly.GetName().Version?.ToString(3) ?? "0", p.Show, Partial: p.Options.Shard.Count > 1)
        {
            Banners = p.Options.Banners is not null,                        // CSV's header makes room for the findings
        };
        table?.Begin(header);
        // Output files, the journal and the resume file are opened only once the scan can start
        // (Scanner.Run's ready): a scan refused for no route, no interface or no next hop leaves an
        // existing -oJ file as it was.
        List<IReportWriter> writers = [];
        List<(string Temp, string Final)> documents = [];
        var sinks = new Fanout([.. table is null ? Array.Empty<IResultSink>() : [table], summaryWriter]);
        using var place = new ScanCheckpoint(p.SavedArgs, p.Options.Seed);
        var replayed = new long[4];
        void Ready()
        {
            string? noPlace = KeepPlace(p, place);
            writers = OpenOutputs(p, registry, documents);
            foreach (var w in writers) w.Begin(header);
            sinks.Add(writers);
            // A resumed scan's reports start with what the stopped scan settled, read back from its journal.
            if (p.Resumed is { } saved)
                foreach (var (r, finding) in ResultJournal.ReadEntries(saved.JournalPath(p.ResumedFrom!), saved.Seed, saved.JournalLength))
                {
                    if (finding is null) sinks.OnResult(r);
                    else sinks.OnService(r, finding);                       // a --banners scan's open port, with its banner
                    replayed[(int)r.State]++;
                }
            if (place.Journal is { } journal) sinks.AddFirst(journal);   // first: a report that fails cannot keep a result from it
            if (noPlace is not null) Console.Error.WriteLine(noPlace);
        }

        var scanner = new Scanner();
        ScanSummary summary;
        var options = p.Options with
        {
            Checkpoint = place, PacketTrace = p.PacketTrace ? Console.Error : null,
            Banners = p.Options.Banners is { } banners ? banners with { Identifier = ServiceIdentifier.Create(registry) } : null,
        };
        var style = p.StatusJson ? ProgressStyle.Json : Console.IsErrorRedirected ? ProgressStyle.Plain : ProgressStyle.Terminal;
        using (p.PacketTrace ? null : new Progress(scanner.Counters, Console.Error, style))
            summary = scanner.Run(options, sinks, cts.Token, Ready);
        summary = summary with
        {
            Open = summary.Open + replayed[(int)PortState.Open], Closed = summary.Closed + replayed[(int)PortState.Closed],
            Filtered = summary.Filtered + replayed[(int)PortState.Filtered], OpenFiltered = summary.OpenFiltered + replayed[(int)PortState.OpenFiltered],
        };

        // Every output is finished, also after Ctrl-C or a failure: what was found is written out whole.
        var unfinished = new HashSet<string>();
        for (int i = 0; i < writers.Count; i++)
        {
            try { writers[i].End(summary); writers[i].Dispose(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"rawscan: could not finish {p.Outputs[i].Path}: {e.Message}");
                summary = summary with { End = ScanEnd.Failed, Error = summary.Error ?? e.Message };
                unfinished.Add(p.Outputs[i].Path);
                try { writers[i].Dispose(); } catch (Exception again) when (again is IOException or UnauthorizedAccessException) { }
            }
        }
        // Documents (XML, grepable, HTML) were written beside their place and take it only whole: one that
        // could not be finished leaves the file that was there before.
        foreach (var (temp, final) in documents)
        {
            try
            {
                if (unfinished.Contains(final)) File.Delete(temp);
                else File.Move(temp, final, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"rawscan: could not put {final} in place (it is in {temp}): {e.Message}");
                summary = summary with { End = ScanEnd.Failed, Error = summary.Error ?? e.Message };
            }
        }
        try { table?.End(summary); }
        catch (IOException) { }                                   // standard output closed (a pipe's reader gone): nothing to print to
        summaryWriter.Write(Console.Error, summary);
        SayHowItEnded(Console.Error, summary, p.Debug);
        if (summary.End != ScanEnd.Completed) SavePlace(place, summary);
        else if (place.Path is { } done)
        {
            // Complete: resuming it again would send probes twice and report their results twice.
            try { place.Delete(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"rawscan: the scan is complete, but {done} could not be removed: {e.Message}");
            }
        }
        return summary.End switch { ScanEnd.Completed => 0, ScanEnd.Interrupted => 130, _ => 1 };
    }

    /// <summary>
    /// One line for a scan that did not complete. A failure's line names an unexpected exception's type
    /// (<see cref="Scanner.Describe"/>); its stack trace follows only with --debug.
    /// </summary>
    internal static void SayHowItEnded(TextWriter error, ScanSummary summary, bool debug)
    {
        if (summary.End == ScanEnd.Interrupted) error.WriteLine("rawscan: interrupted: results found so far were written");
        if (summary.End != ScanEnd.Failed) return;
        // A report that could not be written lacks results: they are in the journal, and the resume writes it whole.
        error.WriteLine($"rawscan: scan failed: {summary.Error}; " + (summary.Fault is ReportWriteException
            ? "results found so far are kept for the resume, which writes every report whole"
            : "results found so far were written"));
        if (debug && summary.Fault is { } fault) error.WriteLine(fault);
    }

    /// <summary>
    /// Where to keep this scan's place: the --resume-file (paused.rawscan by default), unless that file
    /// holds another scan's place (two scans stopped in one folder lost one position), in which case
    /// beside it, named after this scan's seed. A resumed scan keeps its place in the file it resumed.
    /// </summary>
    private static string ResumePathFor(Parsed p)
    {
        string path = p.ResumePath;
        if (!File.Exists(path)) return path;
        try
        {
            var other = ResumeFile.Load(path);
            if (other.Seed == p.Options.Seed && other.Args.SequenceEqual(p.SavedArgs)) return path;   // this scan's own, from before
        }
        catch (BadInputException) { }                           // not a resume file at all: keep it too
        string stem = Path.Combine(Path.GetDirectoryName(path) ?? "", Path.GetFileNameWithoutExtension(path));
        return $"{stem}-{p.Options.Seed:x16}{Path.GetExtension(path)}";
    }

    /// <summary>
    /// Opens the journal and saves the starting place, before the first probe. Returns a line to print
    /// when the place cannot be kept: a --resume-file was checked writable while parsing (bad input),
    /// but the default one in a folder that cannot be written only costs the scan its checkpoints.
    /// </summary>
    private static string? KeepPlace(Parsed p, ScanCheckpoint place)
    {
        string path = p.ResumedFrom ?? ResumePathFor(p);
        try
        {
            if (p.Resumed is { } saved) place.Continue(path, saved);
            else place.Start(path, p.Options.StartPosition ?? p.Options.Shard.First);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            place.Dispose();
            return $"rawscan: this scan's place cannot be kept in {path} ({e.Message}): it runs without checkpoints, and cannot be resumed (--resume-file FILE chooses another place)";
        }
        return path != p.ResumePath && p.ResumedFrom is null
            ? $"rawscan: {p.ResumePath} holds another scan's place: this one's is kept in {path}"
            : null;
    }

    /// <summary>
    /// A scan that stopped short keeps its place for the last time (its journal synced, then the
    /// position) and prints the command that finishes it. If that fails, the place saved at the last
    /// checkpoint still stands: it is older, and its resume probes a little more again.
    /// </summary>
    private static void SavePlace(ScanCheckpoint place, ScanSummary s)
    {
        if (place.Path is not { } path) return;
        // A command that works as printed: a scan run inside a lab is finished inside it.
        string lab = Environment.GetEnvironmentVariable(LabEnv) is { Length: > 0 } name ? $"--lab {name} " : "";
        string finish = $"finish with: rawscan scan {lab}--resume {path}";
        try
        {
            place.Save(s.NextPosition, s.LowPosition);
            Console.Error.WriteLine($"rawscan: {s.Left} probes left ({s.Unsettled} of them in flight when it stopped); {finish}");
        }
        catch (IOException e)
        {
            string when = place.LastSaved is { } t ? $"the place saved at {t:HH:mm:ss} stands" : "no place was saved";
            Console.Error.WriteLine($"rawscan: could not save this scan's place ({e.InnerException?.Message ?? e.Message}): {when}; {finish}");
        }
    }

    /// <summary>
    /// Opens every output before the scan starts, so a bad path fails before any packet. A resumed
    /// scan writes each whole, from the start: its journal is replayed into them first, so nothing is
    /// lost, and nothing is written twice (a stream appended to could hold results past the place the
    /// resume starts from, or a line cut in half by the kill).
    /// </summary>
    private static List<IReportWriter> OpenOutputs(Parsed p, IServiceRegistry registry, List<(string Temp, string Final)> documents)
    {
        var writers = new List<IReportWriter>();
        try
        {
            foreach (var (format, path) in p.Outputs)
            {
                Stream stream;
                try
                {
                    if (path == "-") stream = StandardOutput();
                    else if (format.Streamed) stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
                    else
                    {
                        // A document is written whole at the end: beside its place, renamed into it when finished.
                        string temp = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", $".{Path.GetFileName(path)}.rawscan-{Environment.ProcessId}.tmp");
                        stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
                        documents.Add((temp, path));
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
                {
                    throw new BadInputException("output file", path, e.Message);
                }
                // Every writer sees every result and lists header.Shown's states itself (counting the rest).
                writers.Add(format.Create(stream, registry));
            }
            return writers;
        }
        catch
        {
            foreach (var w in writers) w.Dispose();
            foreach (var (temp, _) in documents) File.Delete(temp);
            documents.Clear();
            throw;
        }
    }

    /// <summary>
    /// Standard output as a plain file stream on descriptor 1, not .NET's console stream, which drops
    /// EPIPE silently: with it `rawscan scan ... | head -1` scanned to the end into a closed pipe and
    /// exited 0. A write to a pipe whose reader is gone now throws (.NET ignores SIGPIPE), which stops
    /// the scan (ReportWriteException).
    /// </summary>
    /// Only for a pipe, terminal or socket: on a regular file a FileStream writes at its own position
    /// (pwrite), which overwrote standard error's lines when both went to one file (`> out 2>&1`);
    /// there the console stream, which appends, is right, and a file has no EPIPE.
    internal static Stream StandardOutput()
    {
        if (OperatingSystem.IsWindows()) return Console.OpenStandardOutput();
        var fd1 = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(1, ownsHandle: false), FileAccess.Write, 1);
        if (!fd1.CanSeek) return fd1;
        fd1.Dispose();
        return Console.OpenStandardOutput();
    }

    private static string CommandLine() => "rawscan " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1).Select(a => a.Contains(' ') ? $"\"{a}\"" : a));

    /// <summary>Validated already; bring the lab up if needed and run the same scan in its scanner namespace.</summary>
    private static int RunInLab(Parsed p)
    {
        // Entering a network namespace needs root: say so, rather than pass on ip's own words and exit 255.
        if (!Environment.IsPrivilegedProcess)
            throw new ScanSetupException($"a scan inside lab '{p.Lab}' needs root (network namespaces): run it with sudo");
        var side = LabManager.ScanSide(p.Lab!);
        if (side is { Broken: true })
            throw new ScanSetupException($"lab '{p.Lab}' is broken: its link {side.ScannerInterface} is gone (rawscan lab down --name {p.Lab}, then scan again)");
        bool ours = side is null;
        string ns;
        if (side is null)
        {
            Console.Error.WriteLine($"rawscan: bringing lab '{p.Lab}' up for this scan");
            ns = LabManager.Up(p.Lab!, Self.Command).ScannerNamespace;
        }
        else ns = side.ScannerNamespace;
        try
        {
            var psi = new ProcessStartInfo("ip") { UseShellExecute = false };
            foreach (var a in (string[])["netns", "exec", ns, .. Self.Command, "scan", .. p.InnerArgs]) psi.ArgumentList.Add(a);
            psi.Environment[LabEnv] = p.Lab;
            psi.Environment[LabParentEnv] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
            using var child = Process.Start(psi)!;
            // Stay until the scan has flushed and saved its place: pass SIGINT and SIGTERM on as
            // themselves (a script's background job ignores SIGINT, so a SIGTERM passed on as SIGINT
            // was lost; from a terminal, Ctrl-C reaches the whole process group anyway and a second
            // SIGINT does no harm). If this process dies outright, the scan gets SIGTERM from the
            // kernel (ParentDeath).
            void Forward(PosixSignalContext c)
            {
                c.Cancel = true;
                string signal = c.Signal == PosixSignal.SIGTERM ? "-TERM" : "-INT";
                if (!child.HasExited) Process.Start("kill", [signal, child.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])?.WaitForExit();
            }
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Forward);
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Forward);
            child.WaitForExit();
            return child.ExitCode;
        }
        finally
        {
            if (ours)
            {
                LabManager.Down(p.Lab!);
                Console.Error.WriteLine($"rawscan: lab '{p.Lab}' taken down");
            }
        }
    }


    /// <summary>
    /// Every result to every report. A report whose write fails (an IOException: a full disk, a closed
    /// pipe) is dropped and the failure thrown once as <see cref="ReportWriteException"/>, which stops
    /// the receive loop and so the scan; the results that follow (the give-ups written after the
    /// receive thread ends) still reach the reports that work.
    /// </summary>
    private sealed class Fanout(IResultSink[] sinks) : IResultSink
    {
        private IResultSink[] _sinks = sinks;

        public void Add(IEnumerable<IResultSink> more) => _sinks = [.. _sinks, .. more];

        public void AddFirst(IResultSink first) => _sinks = [first, .. _sinks];

        public void OnResult(in PortResult r)
        {
            var s = _sinks;
            for (int i = 0; i < s.Length; i++)
            {
                try { s[i].OnResult(r); }
                catch (IOException e) when (e is not ReportWriteException) { throw Drop(s[i], e); }
            }
        }

        public void OnService(in PortResult r, ServiceFinding service)
        {
            var s = _sinks;
            for (int i = 0; i < s.Length; i++)
            {
                try { s[i].OnService(r, service); }
                catch (IOException e) when (e is not ReportWriteException) { throw Drop(s[i], e); }
            }
        }

        public void Tick(long wallMicros)
        {
            var s = _sinks;
            for (int i = 0; i < s.Length; i++)
            {
                try { s[i].Tick(wallMicros); }
                catch (IOException e) when (e is not ReportWriteException) { throw Drop(s[i], e); }
            }
        }

        private ReportWriteException Drop(IResultSink failed, IOException e)
        {
            _sinks = [.. _sinks.Where(x => x != failed)];
            return new ReportWriteException(e);
        }
    }

}
