using System.Diagnostics;
using System.Runtime.InteropServices;
using RawScan.Lab;
using RawScan.Output;
using RawScan.Output.Html;
using RawScan.Permutation;
using RawScan.Registry;
using RawScan.Probes;
using RawScan.Results;
using RawScan.Routing;
using RawScan.Targets;

namespace RawScan.Cli;

/// <summary>`rawscan scan TARGETS -p PORTS [options]`: parse and check everything, then scan.</summary>
internal static class ScanCommand
{
    /// <param name="InnerArgs">The arguments for the same scan inside the lab (all but --lab).</param>
    /// <param name="SavedArgs">The arguments a resume file keeps (all but --lab, --seed and --resume).</param>
    /// <param name="Outputs">(format, path) for each -oJ/-oC/-oX/-oG/-oH/-oA; "-" is standard output.</param>
    internal sealed record Parsed(ScanOptions Options, IReadOnlyList<(string Format, string Path)> Outputs, ShownStates Show, bool PacketTrace, bool StatusJson,
        string? Lab, string[] InnerArgs, string[] SavedArgs, string ResumePath, TableOptions? Table = null);

    public const string Usage = """
        usage: rawscan scan TARGETS -p PORTS [options]
          TARGETS               addresses, CIDR blocks (198.18.0.0/16) and ranges (a.b.c.d-e.f.g.h), comma or space separated
          -p, --ports PORTS     ports and ranges: 22,80,8000-8100; T: and U: pick the protocol: T:22,80,U:53,161
          -sS, -sU              TCP SYN scan (the default), UDP scan; both for both: -p without T:/U: applies to each
          --udp-payloads FILE   UDP payloads per port ('udp PORTS "bytes"' lines), over the built-in protocol probes
          --nmap-payloads FILE  nmap's UDP payloads file (default: /usr/share/nmap/nmap-payloads when nmap is installed),
                                under the built-in protocol probes
          --rate PPS            packets per second over the whole scan (default 100000; 'max' for no ceiling)
          --wait SECONDS        keep listening this long after the last probe (default: 3 RTT-derived timeouts, 0.25-2 s)
          --show STATES         also report these states: closed, filtered, or closed,filtered (default: open only)
          --reason              the table gets REASON and TTL columns (nmap's reasons: syn-ack, reset, no-response...)
          --open-lines          print 'open 443/tcp on 198.18.0.7 https' as each port is found, instead of host blocks
          --retries N           resend a probe still unanswered after the timeout up to N times (default 1)
          --reset               send a RST for every SYN-ACK, closing the half-open connection on the target
          -oJ FILE              JSON lines, streamed as results arrive ('-' for standard output)
          -oC FILE, -oX FILE    CSV; nmap-compatible XML (valid against nmap.dtd, read by ndiff)
          -oG FILE, -oH FILE    nmap-style grepable; a self-contained HTML report with charts
          -oA BASE              BASE.json, BASE.csv, BASE.xml and BASE.gnmap
          --top-ports N         the N most often open ports (of each protocol asked for) instead of -p
          --interface IF        send on IF instead of the one the route to the targets names
          --source-ip ADDR      send from ADDR; RawScan answers ARP for it if the host does not own it
          --router-mac MAC      next-hop MAC, instead of asking for it with ARP
          --allow-default-route scan targets whose route is the default route (leaves the local network)
          -iL, --includefile F  also scan the targets listed in F ('#' starts a comment)
          --exclude TARGETS     never send to these addresses
          --excludefile F       never send to the addresses listed in F
          --no-builtin-exclude  lift the built-in exclude (0/8, 127/8, 224/4, 240/4, 255.255.255.255)
          --seed N              seed of the probe order (default: random); shards need the same seed
          --shard I/N           send only shard I of N: N machines with the same seed cover every probe once
          --source-port P|A-B   source port or range (default: above the kernel's ephemeral range)
          --send-path PATH      auto (default: native if it works here, else pcap), native or pcap
          --dry-run             everything but the wire: no capture, no ARP; frames are counted, or written by --write-pcap
          --write-pcap FILE     with --dry-run: write every frame to FILE (pcap, readable by tcpdump)
          --packet-trace        print each packet sent and each reply received (for small scans)
          --status-json         progress as one JSON object a second on standard error, for programs
          --resume FILE         finish the scan an interrupted run saved to FILE
          --resume-file FILE    where to save the position if interrupted (default paused.rawscan)
          --lab NAME            run the scan inside the built-in lab NAME (brought up for the scan if it is down)
        """;

    public static Parsed Parse(string[] args)
    {
        int at = Array.IndexOf(args, "--resume");
        if (at < 0) return ParseArgs(args);
        if (at + 1 >= args.Length) throw new BadInputException("option", "--resume", "needs a value");
        string file = args[at + 1];
        var saved = ResumeFile.Load(file);
        string[] rest = [.. args.Where((_, i) => i != at && i != at + 1)];
        var p = ParseArgs([.. saved.Args, .. rest, "--seed", saved.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        var shard = p.Options.Shard;
        if (saved.Position < shard.First || (saved.Position - shard.First) % (ulong)shard.Count != 0)
            throw new BadInputException("resume file", file, $"position {saved.Position} is not one of shard {shard}'s");
        return p with
        {
            Options = p.Options with { StartPosition = saved.Position },
            InnerArgs = ["--resume", file, .. Without(rest, "--lab")],
        };
    }

    /// <summary><paramref name="args"/> less every <paramref name="option"/> and the value after it.</summary>
    private static string[] Without(IReadOnlyList<string> args, string option) =>
        [.. args.Where((a, i) => a != option && (i == 0 || args[i - 1] != option))];

    private static Parsed ParseArgs(string[] args)
    {
        var targets = new List<string>();
        var includeFiles = new List<string>();
        var excludes = new List<TargetSet>();
        bool builtinExclude = true, seedGiven = false, trace = false, statusJson = false, reason = false, openLines = false;
        ScanTypes types = 0;
        string? ports = null, lab = null, topPorts = null, userPayloads = null, nmapPayloads = null;
        var outputs = new List<(string Format, string Path)>();
        string resumePath = ResumeFile.DefaultPath;
        var show = new ShownStates(false, false);
        var inner = new List<string>();
        var o = new ScanOptions { Targets = TargetSet.Empty, Ports = new ScanPorts(PortSet.None, PortSet.None), UdpPayloads = UdpPayloadTable.Default };
        var r = new OptionReader(args);
        while (r.More)
        {
            var a = r.Next();
            string V() => r.Value(a);
            switch (a)
            {
                case "-p" or "--ports": ports = V(); inner.AddRange(["-p", ports]); continue;
                case "--lab": lab = V(); continue; // consumed here: the inner run is already in the lab
                case "-oJ" or "-oC" or "-oX" or "-oG" or "-oH" or "-oA":
                {
                    string path = V();
                    if (path.Length == 0) throw new BadInputException("output file", a, "needs a file name");
                    if (a == "-oA")
                    {
                        if (path == "-") throw new BadInputException("output file", "-", "-oA writes four files: give a base name");
                        foreach (var f in ReportFormats.AllFormats) outputs.Add((f, $"{path}.{ReportFormats.ExtensionOf(f)}"));
                    }
                    else outputs.Add((a switch { "-oJ" => "json", "-oC" => "csv", "-oX" => "xml", "-oG" => "grep", _ => "html" }, path));
                    inner.AddRange([a, path]);
                    continue;
                }
            }
            if (a.StartsWith("-p", StringComparison.Ordinal) && a.Length > 2 && !a.StartsWith("--", StringComparison.Ordinal))
            {
                ports = a[2..]; inner.AddRange(["-p", ports]); continue;
            }
            string? value = null;
            switch (a)
            {
                case "--rate": o = o with { Rate = OptionReader.ParseRate(value = V()) }; break;
                case "--wait": o = o with { Wait = OptionReader.ParseSeconds(value = V(), "wait") }; break;
                case "--interface" or "-e":
                    value = V();
                    if (value.Length is 0 or > 15) throw new BadInputException("interface", value, "not an interface name");
                    o = o with { Interface = value };
                    break;
                case "--source-ip":
                    value = V();
                    o = o with { SourceIp = Ipv4.TryParse(value, out uint ip) ? ip : throw new BadInputException("source address", value, "not an IPv4 address") };
                    break;
                case "--router-mac": o = o with { RouterMac = Mac.Parse(value = V(), "router MAC") }; break;
                case "--allow-default-route": o = o with { AllowDefaultRoute = true }; break;
                case "-iL" or "--includefile": includeFiles.Add(value = V()); break;
                case "--exclude": excludes.Add(TargetSet.Parse(value = V(), "exclude")); break;
                case "--excludefile": excludes.Add(TargetFiles.Read(value = V(), "exclude")); break;
                case "--no-builtin-exclude": builtinExclude = false; break;
                case "--seed":
                    value = V();
                    seedGiven = true;
                    o = o with { Seed = ulong.TryParse(value, out ulong seed) ? seed : throw new BadInputException("seed", value, "a whole number 0-18446744073709551615") };
                    break;
                case "--shard": o = o with { Shard = Shard.Parse(value = V()) }; break;
                case "--send-path":
                    value = V();
                    o = o with
                    {
                        SendPath = value switch
                        {
                            "auto" => SendPath.Auto,
                            "native" => SendPath.Native,
                            "pcap" => SendPath.Pcap,
                            _ => throw new BadInputException("send path", value, "one of auto, native, pcap"),
                        },
                    };
                    break;
                case "--dry-run": o = o with { DryRun = true }; break;
                case "--resume-file": resumePath = value = V(); break;
                case "--write-pcap": o = o with { WritePcap = value = V() }; break;
                case "--packet-trace": trace = true; break;
                case "--status-json": statusJson = true; break;
                case "--reason": reason = true; break;
                case "--open-lines": openLines = true; break;
                case "--top-ports":
                    value = V();
                    if (!int.TryParse(value, out int top) || top < 1 || top > 65536 || !value.All(char.IsAsciiDigit))
                        throw new BadInputException("--top-ports", value, "a number of ports, 1-65536");
                    topPorts = value;
                    break;
                case "--source-port":
                    value = V();
                    var sp = PortSet.Parse(value);
                    if (sp.Ranges.Count != 1) throw new BadInputException("source port", value, "one port or one range A-B");
                    o = o with { SourcePorts = sp.Ranges[0] };
                    break;
                case "--show": show = ShownStates.Parse(value = V()); break;
                case "--retries":
                    value = V();
                    o = o with { Retries = int.TryParse(value, out int retries) && retries is >= 0 and <= 20 && value.All(char.IsAsciiDigit) ? retries
                        : throw new BadInputException("retries", value, "a whole number 0-20") };
                    break;
                case "--reset": o = o with { Reset = true }; break;
                case "-sS": types |= ScanTypes.Tcp; break;
                case "-sU": types |= ScanTypes.Udp; break;
                case "--udp-payloads": userPayloads = value = V(); break;
                case "--nmap-payloads": nmapPayloads = value = V(); break;
                default:
                    if (a.StartsWith('-') && a.Length > 1) throw new BadInputException("option", a, "unknown option (see 'rawscan scan --help')");
                    targets.Add(a);
                    inner.Add(a);
                    continue;
            }
            inner.Add(a);
            if (value is not null) inner.Add(value);
        }
        if (targets.Count == 0 && includeFiles.Count == 0) throw new BadInputException("command", "scan", "no targets given");
        if (ports is not null && topPorts is not null) throw new BadInputException("option", "--top-ports", "give -p or --top-ports, not both");
        if (ports is null && topPorts is null) throw new BadInputException("command", "scan", "no ports given (-p PORTS or --top-ports N)");
        if (outputs.Count(x => x.Path == "-") > 1) throw new BadInputException("output file", "-", "only one output can go to standard output");
        foreach (var dup in outputs.GroupBy(x => x.Path).Where(g => g.Key != "-" && g.Count() > 1))
            throw new BadInputException("output file", dup.Key, "named twice");
        var scanTypes = types == 0 ? ScanTypes.Tcp : types;
        if (topPorts is not null) ports = TopPorts(int.Parse(topPorts), scanTypes);
        var all = new List<Ipv4Range>(TargetSet.Parse(targets).Ranges);
        foreach (var f in includeFiles) all.AddRange(TargetFiles.Read(f, "target").Ranges);
        if (builtinExclude) excludes.Add(TargetFiles.BuiltinExclude);
        var scanned = new TargetSet(all).Except(new TargetSet(excludes.SelectMany(e => e.Ranges)));
        if (scanned.Count == 0) throw new BadInputException("targets", string.Join(",", targets.Concat(includeFiles)), "no address left to scan after excludes");
        o = o with { Targets = scanned, Ports = ScanPorts.Parse(ports!, scanTypes), Seed = seedGiven ? o.Seed : RandomSeed() };
        o = o with { UdpPayloads = UdpPayloads(o.Ports, nmapPayloads, userPayloads) };
        if (lab is not null) LabSpec.ValidateName(lab);
        if (o.WritePcap is not null && !o.DryRun) throw new BadInputException("option", "--write-pcap", "goes with --dry-run");
        return new Parsed(o, outputs, show, trace, statusJson, lab, [.. inner], Without(inner, "--seed"), resumePath, new TableOptions(reason, openLines));
    }

    /// <summary>
    /// The UDP probe of every port: the project's protocol probes over nmap's payloads (the file named,
    /// else Debian's when nmap is installed; read only for a scan with UDP ports), a --udp-payloads
    /// file over both. A file named but missing or bad is bad input.
    /// </summary>
    private static UdpPayloadTable UdpPayloads(ScanPorts ports, string? nmapPath, string? userPath)
    {
        if (nmapPath is null && ports.Udp.Count > 0 && File.Exists(NmapPayloads.DefaultPath)) nmapPath = NmapPayloads.DefaultPath;
        if (nmapPath is not null && ports.Udp.Count == 0 && nmapPath == NmapPayloads.DefaultPath) nmapPath = null;
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

    private static ulong RandomSeed()
    {
        Span<byte> b = stackalloc byte[8];
        System.Security.Cryptography.RandomNumberGenerator.Fill(b);
        return BitConverter.ToUInt64(b);
    }

    public static int Run(string[] args)
    {
        var p = Parse(args);
        if (p.Lab is not null) return RunInLab(p);

        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cts.Cancel(); });

        var registry = new LazyRegistry(() => ServiceRegistry.Default);
        // The table is printed only when no report goes to standard output. It streams host blocks as
        // hosts settle, through its own buffer on standard output (a timer flushes it).
        bool printTable = !p.Outputs.Any(x => x.Path == "-");
        using var table = printTable ? new TableWriter(new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 15), registry,
            p.Table, ownsWriter: true) : null;
        var summaryWriter = new SummaryWriter(registry);
        var writers = OpenOutputs(p, registry);
        var header = new ScanHeader(CommandLine(), DateTimeOffset.Now, p.Options.Ports, p.Options.Targets.Count,
            typeof(Scanner).Assembly.GetName().Version?.ToString(3) ?? "0", p.Show,
            Partial: p.Options.Shard.Count > 1 || p.Options.StartPosition is not null);
        table?.Begin(header);
        foreach (var w in writers) w.Begin(header);

        var scanner = new Scanner();
        ScanSummary summary;
        var options = p.PacketTrace ? p.Options with { PacketTrace = Console.Error } : p.Options;
        var style = p.StatusJson ? ProgressStyle.Json : Console.IsErrorRedirected ? ProgressStyle.Plain : ProgressStyle.Terminal;
        using (p.PacketTrace ? null : new Progress(scanner.Counters, Console.Error, style))
            summary = scanner.Run(options, new Fanout([.. table is null ? Array.Empty<IResultSink>() : [table], summaryWriter, .. writers]), cts.Token);

        // Every output is finished, also after Ctrl-C or a failure: what was found is written out whole.
        foreach (var w in writers)
        {
            try { w.End(summary); w.Dispose(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"rawscan: could not finish an output: {e.Message}");
                summary = summary with { End = ScanEnd.Failed, Error = summary.Error ?? e.Message };
            }
        }
        try { table?.End(summary); }
        catch (IOException) { }                                   // standard output closed (a pipe's reader gone): nothing to print to
        summaryWriter.Write(Console.Error, summary);
        if (summary.End == ScanEnd.Interrupted) Console.Error.WriteLine("rawscan: interrupted: results found so far were written");
        if (summary.End == ScanEnd.Failed) Console.Error.WriteLine($"rawscan: scan failed: {summary.Error}; results found so far were written");
        if (summary.End != ScanEnd.Completed && !summary.AllSent) SaveResume(p, summary);
        return summary.End switch { ScanEnd.Completed => 0, ScanEnd.Interrupted => 130, _ => 1 };
    }

    private static void SaveResume(Parsed p, ScanSummary s)
    {
        try
        {
            new ResumeFile(1, p.SavedArgs, p.Options.Seed, s.NextPosition, s.NewProbesSent, s.ProbesPlanned).Save(p.ResumePath);
            Console.Error.WriteLine($"rawscan: {s.ProbesPlanned - s.NewProbesSent} probes not sent; finish with: rawscan scan --resume {p.ResumePath}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"rawscan: could not save the resume file {p.ResumePath}: {e.Message}");
        }
    }

    /// <summary>
    /// Opens every output before the scan starts, so a bad path fails before any packet. A resumed
    /// scan appends to its JSON lines and CSV (they are streams of results); the other formats are
    /// documents and describe the resumed part.
    /// </summary>
    private static List<IReportWriter> OpenOutputs(Parsed p, IServiceRegistry registry)
    {
        var writers = new List<IReportWriter>();
        try
        {
            foreach (var (format, path) in p.Outputs)
            {
                bool append = p.Options.StartPosition is not null && format is "json" or "csv" && File.Exists(path);
                Stream stream;
                try
                {
                    stream = path == "-" ? Console.OpenStandardOutput()
                        : new FileStream(path, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
                {
                    throw new BadInputException("output file", path, e.Message);
                }
                // Every writer sees every result and lists header.Shown's states itself (counting the rest).
                writers.Add(format == "html" ? new HtmlReportWriter(stream, registry) : ReportFormats.Create(format, stream, registry));
            }
            return writers;
        }
        catch
        {
            foreach (var w in writers) w.Dispose();
            throw;
        }
    }

    private static string CommandLine() => "rawscan " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1).Select(a => a.Contains(' ') ? $"\"{a}\"" : a));

    /// <summary>Validated already; bring the lab up if needed and run the same scan in its scanner namespace.</summary>
    private static int RunInLab(Parsed p)
    {
        var info = LabManager.Status(p.Lab!);
        bool ours = info is null;
        if (ours)
        {
            Console.Error.WriteLine($"rawscan: bringing lab '{p.Lab}' up for this scan");
            info = LabManager.Up(p.Lab!, Self.Command);
        }
        try
        {
            var psi = new ProcessStartInfo("ip") { UseShellExecute = false };
            foreach (var a in (string[])["netns", "exec", info!.ScannerNamespace, .. Self.Command, "scan", .. p.InnerArgs]) psi.ArgumentList.Add(a);
            using var child = Process.Start(psi)!;
            // Stay until the scan has flushed and saved its place: pass SIGINT and SIGTERM on (from a
            // terminal, Ctrl-C reaches the whole process group anyway; a second SIGINT does no harm).
            void Forward(PosixSignalContext c)
            {
                c.Cancel = true;
                if (!child.HasExited) Process.Start("kill", ["-INT", child.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])?.WaitForExit();
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


    private sealed class Fanout(IResultSink[] sinks) : IResultSink
    {
        public void OnResult(in PortResult r) { foreach (var s in sinks) s.OnResult(r); }
        public void Tick(long wallMicros) { foreach (var s in sinks) s.Tick(wallMicros); }
    }

}
