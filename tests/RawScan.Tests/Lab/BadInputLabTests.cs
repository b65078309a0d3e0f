using System.Diagnostics;
using System.Globalization;
using RawScan.Lab;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace RawScan.Tests;

/// <summary>
/// The bad-input table of issue 12: each row is a command line that must be refused with exit 2 and one
/// line on standard error naming the bad token, with nothing on standard output, no stack trace, and
/// its working directory (the output files it names, a resume file) exactly as it was. Every row runs
/// the real CLI inside the lab's scanner namespace, whose route to 198.18.0.0/16 leads to live hosts: a row
/// that wrongly got past parsing would really send, and a capture of the lab link, running across the
/// whole table, would see it. The last test stops that capture and asserts it saw no frame before a
/// control scan, and that it did see the control's (so the witness works).
/// </summary>
[Collection(LabScans.Name)]     // over a hundred CLI starts keep both CPUs busy: not beside a scan that counts what it finds
[TestCaseOrderer("RawScan.Tests.BadInputLabTests+CaptureCheckLast", "RawScan.Tests")]
public class BadInputLabTests(BadInputLabTests.LabAndCapture lab) : IClassFixture<BadInputLabTests.LabAndCapture>
{
    private const string Target = "198.18.0.1";

    /// <summary>
    /// One row. <paramref name="Named"/> is the text the line must contain: the bad token quoted as the CLI
    /// quotes it ('token'; control characters written as C escapes). <paramref name="Reason"/>, when given,
    /// is a part of the reason that matters for the row (a directory must be called one, not "access denied").
    /// </summary>
    public sealed record BadCase(string Id, string[] Args, string Named, string? Reason = null)
    {
        /// <summary>What the working directory holds before the run (relative paths; null content: a directory).</summary>
        public (string Path, string? Content)[] Files { get; init; } = [];

        /// <summary>Writes what text cannot (a resume file with its binary journal) into the working directory.</summary>
        public Action<string>? Setup { get; init; }
    }

    private static string Q(string token) => $"'{token}'";

    /// <summary>`rawscan scan 198.18.0.1 -p 80 MORE...`, refused for <paramref name="token"/>.</summary>
    private static BadCase Scan(string id, string token, params string[] more) => new(id, ["scan", Target, "-p", "80", .. more], Q(token));

    /// <summary>`rawscan scan TARGET -p 80`.</summary>
    private static BadCase BadTarget(string id, string target) => new(id, ["scan", target, "-p", "80"], Q(target));

    /// <summary>`rawscan scan 198.18.0.1 -p PORTS`.</summary>
    private static BadCase BadPorts(string id, string ports) => new(id, ["scan", Target, "-p", ports], Q(ports));

    /// <summary>A resume file and its journal, as `scan 198.18.0.1 -p 80 [MORE]` stopped at <paramref name="position"/> leaves them.</summary>
    private static Action<string> Paused(string file = "paused.rawscan", ulong position = 0, params string[] more) =>
        dir => ResumeFiles.Write(Path.Combine(dir, file), [Target, "-p", "80", .. more], seed: 1, position);
    private const string Line = "{\"ip\":\"198.18.0.1\",\"proto\":\"tcp\",\"port\":80,\"state\":\"open\"}\n";
    private static readonly (string, string?) Sub = ("sub", null);

    public static readonly IReadOnlyList<BadCase> Table =
    [
        // Targets (198.18.0.0/15 is the lab's; an address outside it is not bad input, so none is here).
        BadTarget("target: prefix /33", "198.18.0.0/33"),
        BadTarget("target: empty prefix", "198.18.0.1/"),
        BadTarget("target: three octets", "198.18.1"),
        BadTarget("target: five octets", "198.18.0.1.5"),
        BadTarget("target: octet 256", "256.1.1.1"),
        BadTarget("target: leading zero", "198.18.0.01"),
        BadTarget("target: range reversed", "198.18.0.9-198.18.0.1"),
        BadTarget("target: shorthand range", "198.18.0.1-5"),
        BadTarget("target: range without an end", "198.18.0.1-"),
        BadTarget("target: garbage", "garbage"),
        BadTarget("target: empty string", ""),
        BadTarget("target: only a comma", ","),
        new("target: a bad one in a list", ["scan", "198.18.0.1,198.18.0.300", "-p", "80"], Q("198.18.0.300")),
        new("target: escape sequence", ["scan", "198.18.0.1\u001b[31m", "-p", "80"], "'198.18.0.1\\x1b[31m'"),
        new("target: bad line of -iL", ["scan", "-iL", "targets.txt", "-p", "80"], Q("198.18.0.0/33"), "targets.txt line 2")
            { Files = [("targets.txt", "198.18.0.1\n198.18.0.0/33\n")] },
        new("target: -iL file empty", ["scan", "-iL", "empty.txt", "-p", "80"], Q("empty.txt"), "no address left") { Files = [("empty.txt", "")] },
        Scan("target: all excluded", Target, "--exclude", "198.18.0.0/24") with { Reason = "no address left" },
        Scan("exclude: prefix /33", "198.18.0.0/33", "--exclude", "198.18.0.0/33"),
        Scan("exclude: garbage", "garbage", "--exclude", "garbage"),

        // Ports (U: without -sU is a UDP port, not an error; a trailing comma is refused).
        new("ports: 0-70000", ["scan", Target, "-p", "0-70000"], Q("70000")),
        BadPorts("ports: 65536", "65536"),
        BadPorts("ports: abc", "abc"),
        BadPorts("ports: range reversed", "5-3"),
        BadPorts("ports: empty", ""),
        BadPorts("ports: trailing comma", "80,"),
        BadPorts("ports: leading comma", ",80"),
        BadPorts("ports: unknown protocol prefix", "X:80"),
        BadPorts("ports: prefix without ports", "T:"),
        new("ports: line break", ["scan", Target, "-p", "80\n81"], "'80\\n81'"),
        new("ports: glued -pabc", ["scan", Target, "-pabc"], Q("abc")),
        new("ports: --ports= empty", ["scan", Target, "--ports="], Q("")),

        // Every option that takes a value, given a bad one.
        Scan("--rate fast", "fast", "--rate", "fast"),
        Scan("--rate 0", "0", "--rate", "0"),
        Scan("--rate 1e-12", "1e-12", "--rate", "1e-12"),
        Scan("--rate 1e99", "1e99", "--rate", "1e99"),
        Scan("--rate NaN", "NaN", "--rate", "NaN"),
        Scan("--rate -5", "-5", "--rate", "-5"),
        Scan("--rate 100000001", "100000001", "--rate", "100000001"),
        Scan("--rate= empty", "", "--rate="),
        new("--rate with a line break", ["scan", Target, "-p", "80", "--rate", "1\n2"], "'1\\n2'"),
        Scan("--wait NaN", "NaN", "--wait", "NaN"),
        Scan("--wait -1", "-1", "--wait", "-1"),
        Scan("--wait Infinity", "Infinity", "--wait", "Infinity"),
        Scan("--wait 1e9", "1e9", "--wait", "1e9"),
        Scan("--wait 5x", "5x", "--wait", "5x"),
        Scan("--retries -1", "-1", "--retries", "-1"),
        Scan("--retries x", "x", "--retries", "x"),
        Scan("--retries 21", "21", "--retries", "21"),
        Scan("--source-port 0", "0", "--source-port", "0"),
        Scan("--source-port 70000", "70000", "--source-port", "70000"),
        Scan("--source-port abc", "abc", "--source-port", "abc"),
        Scan("--source-port two ports", "1,3", "--source-port", "1,3"),
        Scan("--source-ip three octets", "198.19.0", "--source-ip", "198.19.0"),
        Scan("--source-ip octet 300", "198.19.0.300", "--source-ip", "198.19.0.300"),
        Scan("--router-mac three bytes", "00:11:22", "--router-mac", "00:11:22"),
        Scan("--router-mac not hex", "zz:11:22:33:44:55", "--router-mac", "zz:11:22:33:44:55"),
        Scan("--shard 0/2", "0/2", "--shard", "0/2"),
        Scan("--shard 3/2", "3/2", "--shard", "3/2"),
        Scan("--shard 1/0", "1/0", "--shard", "1/0"),
        Scan("--shard x", "x", "--shard", "x"),
        Scan("--seed x", "x", "--seed", "x"),
        Scan("--seed -1", "-1", "--seed", "-1"),
        new("--top-ports 0", ["scan", Target, "--top-ports", "0"], Q("0")),
        new("--top-ports x", ["scan", Target, "--top-ports", "x"], Q("x")),
        new("--top-ports 65537", ["scan", Target, "--top-ports", "65537"], Q("65537")),
        Scan("--show bogus", "bogus", "--show", "bogus"),
        Scan("--show closed,bogus", "bogus", "--show", "closed,bogus"),
        Scan("--interface that does not exist", "nonexistent0", "--interface", "nonexistent0") with { Reason = "no such interface" },
        Scan("-e name too long", "averyveryverylongname", "-e", "averyveryverylongname"),
        Scan("--lab Bad_Name", "Bad_Name", "--lab", "Bad_Name"),
        Scan("--lab empty", "", "--lab", ""),
        Scan("--send-path bogus", "bogus", "--send-path", "bogus"),

        // Options that do not exist, lack their value, or take none.
        Scan("unknown --bogus", "--bogus", "--bogus"),
        Scan("unknown -Z", "-Z", "-Z"),
        Scan("unknown scan type -sX", "-sX", "-sX"),
        Scan("unknown --", "--", "--"),
        Scan("unknown output -oZ", "-oZ", "-oZ", "x"),
        Scan("--rate without a value", "--rate", "--rate") with { Reason = "needs a value" },
        new("-p without a value", ["scan", Target, "-p"], Q("-p"), "needs a value"),
        Scan("-oJ without a value", "-oJ", "-oJ") with { Reason = "needs a value" },
        Scan("flag given a value", "--dry-run", "--dry-run=yes") with { Reason = "takes no value" },

        // Files the scan reads.
        Scan("-iL missing", "/nonexistent/targets.txt", "-iL", "/nonexistent/targets.txt") with { Reason = "no such file" },
        Scan("-iL a directory", "sub", "-iL", "sub") with { Reason = "is a directory", Files = [Sub] },
        Scan("-iL /dev/zero", "/dev/zero", "-iL", "/dev/zero") with { Reason = "line 1 is longer than" },
        Scan("-iL empty name", "", "-iL", "") with { Reason = "needs a file name" },
        Scan("--excludefile missing", "/nonexistent/exclude.txt", "--excludefile", "/nonexistent/exclude.txt") with { Reason = "no such file" },
        Scan("--excludefile /dev/zero", "/dev/zero", "--excludefile", "/dev/zero") with { Reason = "line 1 is longer than" },
        Scan("--udp-payloads missing", "/nonexistent/payloads.txt", "-sU", "--udp-payloads", "/nonexistent/payloads.txt") with { Reason = "no such file" },
        Scan("--udp-payloads bad escape", "\\xZZ", "-sU", "--udp-payloads", "payloads.txt") with { Files = [("payloads.txt", "udp 53 \"\\xZZ\"\n")] },
        Scan("--udp-payloads /dev/zero", "/dev/zero", "-sU", "--udp-payloads", "/dev/zero") with { Reason = "line 1 is longer than" },
        Scan("--nmap-payloads a directory", "sub", "-sU", "--nmap-payloads", "sub") with { Reason = "is a directory", Files = [Sub] },
        Scan("--nmap-payloads garbage", "garbage", "-sU", "--nmap-payloads", "nmap-payloads") with { Files = [("nmap-payloads", "garbage payload\n")] },
        Scan("--nmap-payloads empty name", "", "-sU", "--nmap-payloads", "") with { Reason = "needs a file name" },
        Scan("--resume missing", "/nonexistent/paused.rawscan", "--resume", "/nonexistent/paused.rawscan") with { Reason = "no such file" },
        new("--resume= missing", ["scan", "--resume=/nonexistent/paused.rawscan"], Q("/nonexistent/paused.rawscan"), "no such file"),
        new("--resume not a resume file", ["scan", "--resume", "notes.txt"], Q("notes.txt"), "not a RawScan resume file") { Files = [("notes.txt", "hello\n")] },
        new("--resume a directory", ["scan", "--resume", "sub"], Q("sub"), "is a directory") { Files = [Sub] },
        new("--resume /dev/zero", ["scan", "--resume", "/dev/zero"], Q("/dev/zero"), "not a RawScan resume file"),
        new("--resume empty name", ["scan", "--resume", ""], Q(""), "needs a file name"),
        new("--resume with a null argument", ["scan", "--resume", "null.rawscan"], Q("null.rawscan"), "not a RawScan resume file")
        {
            Files = [("null.rawscan", "{\"version\":2,\"args\":[null],\"seed\":1,\"position\":0,\"low\":0,\"journal\":\"null.rawscan.journal\",\"journal_length\":16,\"saved\":\"2025-01-06T12:00:00Z\"}")],
        },
        new("--resume of the first format", ["scan", "--resume", "old.rawscan"], Q("old.rawscan"))
            { Files = [("old.rawscan", "{\"version\":1,\"args\":[\"198.18.0.1\",\"-p\",\"80\"],\"seed\":1,\"position\":0,\"sent\":0,\"planned\":1}")] },
        new("--resume without its journal", ["scan", "--resume", "paused.rawscan"], Q("paused.rawscan"), "is missing")
            { Setup = dir => { Paused()(dir); File.Delete(Path.Combine(dir, "paused.rawscan.journal")); } },
        new("--resume with another target", ["scan", "--resume", "paused.rawscan", "198.18.0.2"], Q("198.18.0.2"), "cannot change on --resume") { Setup = Paused() },
        new("--resume with other ports", ["scan", "--resume", "paused.rawscan", "-p", "81"], Q("-p"), "cannot change on --resume") { Setup = Paused() },
        new("--resume with another seed", ["scan", "--resume", "paused.rawscan", "--seed", "7"], Q("--seed"), "cannot change on --resume") { Setup = Paused() },
        new("--resume position not in its shard", ["scan", "--resume", "shard.rawscan"], Q("shard.rawscan"), "not one of shard 1/2's")
            { Setup = Paused("shard.rawscan", 1, "--shard", "1/2") },

        // Files the scan would write: checked before anything is opened.
        Scan("-oJ in a missing directory", "/nonexistent/x.json", "-oJ", "/nonexistent/x.json") with { Reason = "no such directory" },
        Scan("-oX in a missing directory", "/nonexistent/x.xml", "-oX", "/nonexistent/x.xml"),
        Scan("-oG in a missing directory", "/nonexistent/x.gnmap", "-oG", "/nonexistent/x.gnmap"),
        Scan("-oC in a missing directory", "/nonexistent/x.csv", "-oC", "/nonexistent/x.csv"),
        Scan("-oH in a missing directory", "/nonexistent/x.html", "-oH", "/nonexistent/x.html"),
        Scan("-oA in a missing directory", "/nonexistent/base.json", "-oA", "/nonexistent/base"),
        Scan("-oJ a directory", "sub", "-oJ", "sub") with { Reason = "is a directory", Files = [Sub] },
        Scan("-oX a directory", "sub", "-oX", "sub") with { Reason = "is a directory", Files = [Sub] },
        Scan("-oJ empty name", "-oJ", "-oJ", "") with { Reason = "needs a file name" },
        Scan("-oJ - and -oX -", "-", "-oJ", "-", "-oX", "-"),
        Scan("-oJ - twice", "-", "-oJ", "-", "-oJ", "-"),
        Scan("same file for -oJ and -oC", "a.json", "-oJ", "a.json", "-oC", "a.json") with { Reason = "named twice" },
        Scan("-oA's file named again by -oX", "r.xml", "-oA", "r", "-oX", "r.xml") with { Reason = "named twice" },
        Scan("--write-pcap without --dry-run", "--write-pcap", "--write-pcap", "x.pcap") with { Reason = "goes with --dry-run" },
        Scan("--write-pcap in a missing directory", "/nonexistent/x.pcap", "--dry-run", "--write-pcap", "/nonexistent/x.pcap"),
        Scan("--write-pcap a directory", "sub", "--dry-run", "--write-pcap", "sub") with { Reason = "is a directory", Files = [Sub] },
        Scan("--resume-file in a missing directory", "/nonexistent/p.rawscan", "--resume-file", "/nonexistent/p.rawscan"),
        Scan("--resume-file a directory", "sub", "--resume-file", "sub") with { Reason = "is a directory", Files = [Sub] },
        Scan("--resume-file empty name", "", "--resume-file", ""),

        // An existing output is left byte for byte when something else on the line is wrong.
        Scan("-oJ kept: bad --rate", "fast", "-oJ", "keep.json", "--rate", "fast") with { Files = [("keep.json", Line)] },
        new("-oX kept: bad ports", ["scan", Target, "-p", "abc", "-oX", "keep.xml"], Q("abc")) { Files = [("keep.xml", "<old/>\n")] },
        Scan("-oG kept: unknown option", "--bogus", "-oG", "keep.gnmap", "--bogus") with { Files = [("keep.gnmap", "# old\n")] },
        Scan("-oC kept: bad --wait", "NaN", "-oC", "keep.csv", "--wait", "NaN") with { Files = [("keep.csv", "ip,proto,port\r\n")] },
        Scan("-oH kept: bad --shard", "0/2", "-oH", "keep.html", "--shard", "0/2") with { Files = [("keep.html", "<html>old</html>")] },
        Scan("-oA kept: bad --source-port", "0", "-oA", "keep", "--source-port", "0") with
            { Files = [("keep.json", Line), ("keep.csv", "ip\r\n"), ("keep.xml", "<old/>"), ("keep.gnmap", "# old\n")] },
        Scan("-oJ kept: a bad -oX after it", "/nonexistent/x.xml", "-oJ", "keep.json", "-oX", "/nonexistent/x.xml") with { Files = [("keep.json", Line)] },
        Scan("-oJ kept: an interface that does not exist", "nonexistent0", "-oJ", "keep.json", "-e", "nonexistent0") with { Files = [("keep.json", Line)] },
        Scan("-oJ kept: --resume-file in a missing directory", "/nonexistent/p.rawscan", "-oJ", "keep.json", "--resume-file", "/nonexistent/p.rawscan")
            with { Files = [("keep.json", Line)] },

        // Missing or conflicting parts of the command line.
        Scan("-p and --top-ports", "--top-ports", "--top-ports", "10") with { Reason = "not both" },
        new("no targets", ["scan", "-p", "80"], Q("scan"), "no targets"),
        new("no ports", ["scan", Target], Q("scan"), "no ports"),
        new("nothing at all", ["scan"], Q("scan"), "no targets"),

        // The other commands.
        new("command bogus", ["bogus"], Q("bogus")),
        new("diff: missing file", ["diff", "/nonexistent/old.json", "new.json"], Q("/nonexistent/old.json"), "no such file") { Files = [("new.json", Line)] },
        new("diff: a directory", ["diff", "sub", "new.json"], Q("sub"), "is a directory") { Files = [Sub, ("new.json", Line)] },
        new("diff: /dev/zero", ["diff", "/dev/zero", "new.json"], Q("/dev/zero"), "not a RawScan report") { Files = [("new.json", Line)] },
        new("diff: an option", ["diff", "--bogus", "old.json", "new.json"], Q("--bogus"), "takes no options"),
        new("lab up: bad name", ["lab", "up", "--name", "Bad_Name"], Q("Bad_Name")),
        new("lab status: bad name", ["lab", "status", "--name", "Bad_Name"], Q("Bad_Name")),
        new("lab: bogus verb", ["lab", "bogus"], Q("bogus")),
    ];

    public static TheoryData<string> Ids()
    {
        var ids = new TheoryData<string>();
        foreach (var c in Table) ids.Add(c.Id);
        return ids;
    }

    [Fact]
    public void TheTableHasSixtyOrMoreDistinctCases()
    {
        Assert.True(Table.Count >= 60, $"{Table.Count} cases");
        Assert.Equal(Table.Count, Table.Select(c => c.Id).Distinct().Count());
        Assert.Equal(Table.Count, Table.Select(c => string.Join('\0', c.Args)).Distinct().Count());
    }

    [LabTheory]
    [MemberData(nameof(Ids))]
    public void IsRefusedInOneLineNamingTheToken(string id)
    {
        var c = Table.Single(x => x.Id == id);
        string dir = Directory.CreateTempSubdirectory("rawscan-badinput-").FullName;
        try
        {
            foreach (var (path, content) in c.Files)
            {
                if (content is null) Directory.CreateDirectory(Path.Combine(dir, path));
                else File.WriteAllText(Path.Combine(dir, path), content);
            }
            c.Setup?.Invoke(dir);
            var before = Snapshot(dir);

            var r = lab.Run(c.Args, dir, row: c.Id);

            Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}, stderr: {r.Stderr}");
            Assert.Equal("", r.Stdout);
            // Exactly one line: the text, then one line end (a second line, even blank, fails).
            var lines = r.Stderr.Split('\n');
            Assert.True(lines.Length == 2 && lines[1] == "" && lines[0].Trim().Length > 0 && !lines[0].Contains('\r'),
                $"stderr is not one line: {r.Stderr}");
            Assert.StartsWith("rawscan", lines[0]);
            Assert.Contains(c.Named, lines[0]);
            if (c.Reason is not null) Assert.Contains(c.Reason, lines[0]);
            Assert.DoesNotContain("   at ", r.Stderr);
            Assert.DoesNotContain("Exception", r.Stderr);
            // Nothing touched, nothing left behind: the outputs it names, no resume file, no temporary file.
            Assert.Equal(before, Snapshot(dir));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>
    /// Runs after every row (<see cref="CaptureCheckLast"/>). A control scan then sends one probe the same
    /// way, so the capture must show frames after its start (the witness sees what the CLI sends) and none
    /// before it (no row sent anything).
    /// </summary>
    [LabFact]
    public void TheLinkCarriedNoFrameFromAnyCase()
    {
        Assert.True(lab.Ran.Count == Table.Count, $"{lab.Ran.Count} of {Table.Count} cases ran under this capture: run the whole class");
        double controlStart = Now();
        string dir = Directory.CreateTempSubdirectory("rawscan-badinput-").FullName;
        try
        {
            var control = lab.Run(["scan", Target, "-p", "80", "--wait", "0.2"], dir);
            Assert.True(control.ExitCode == 0, control.Stderr);
        }
        finally { Directory.Delete(dir, recursive: true); }
        Thread.Sleep(300);                                     // the control's frames still crossing the veth pair

        var frames = lab.StopCapture();
        var early = frames.Where(f => Seconds(f) < controlStart).ToList();
        // Which row was running when each frame was captured (a kernel's ARP can follow the scan that caused it by seconds).
        Assert.True(early.Count == 0, "frames from the scanner while the bad input ran:\n" + string.Join('\n', early.Select(f =>
            $"{f}   <- during: {string.Join(", ", lab.Ran.Where(x => x.Start <= Seconds(f) && Seconds(f) <= x.End).Select(x => x.Id).DefaultIfEmpty("no case"))}")));
        Assert.Contains(frames, f => f.Contains($"> {Target}.80: Flags [S]", StringComparison.Ordinal));
    }

    private static double Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>tcpdump -tt's first field: the frame's capture time, seconds since the epoch.</summary>
    private static double Seconds(string frame) => double.Parse(frame.Split(' ')[0], CultureInfo.InvariantCulture);

    /// <summary>Every file and folder under <paramref name="dir"/> with its bytes.</summary>
    private static SortedDictionary<string, string> Snapshot(string dir) => new(
        Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories).ToDictionary(
            p => Path.GetRelativePath(dir, p),
            p => Directory.Exists(p) ? "(directory)" : Convert.ToHexString(File.ReadAllBytes(p))),
        StringComparer.Ordinal);

    /// <summary>
    /// A lab for the class and tcpdump on the target's end of its link, from before the first row until
    /// <see cref="TheLinkCarriedNoFrameFromAnyCase"/>. Only frames arriving from the scanner's side, and
    /// only IPv4 and ARP, which is all RawScan sends: the scanner namespace's kernel may send IPv6 router
    /// solicitations and neighbour discovery on its own at any time, which no row is answerable for.
    /// </summary>
    public sealed class LabAndCapture : IDisposable
    {
        /// <summary>Far longer than a refusal (0.2 s) or a one-probe scan; a row that reads or waits without end fails.</summary>
        private const int CaseTimeoutMs = 20_000;

        public string Name { get; } = "b" + Convert.ToHexString(BitConverter.GetBytes(Random.Shared.Next())).ToLowerInvariant()[..7];
        public LabInfo? Info { get; }
        private readonly LabCapture.Running? _capture;

        /// <summary>Each row that ran: its id and when (seconds since the epoch), to say which one a frame came during.</summary>
        public List<(string Id, double Start, double End)> Ran { get; } = [];

        public LabAndCapture()
        {
            if (!LabFactAttribute.CanRun) return;
            Info = LabManager.Up(Name, Cli.Command);
            try { _capture = LabCapture.Start(Info.TargetNamespace, "tgt0", "ip or arp", inboundOnly: true); }
            catch
            {
                LabManager.Down(Name);
                throw;
            }
        }

        /// <summary>`ip netns exec SCANNER-NS rawscan ARGS` (<see cref="Cli.Command"/>) in <paramref name="cwd"/>.</summary>
        /// <param name="row">The table row being run, recorded in <see cref="Ran"/>; null for the control scan.</param>
        internal Cli.Result Run(string[] args, string cwd, string? row = null)
        {
            var psi = new ProcessStartInfo("ip") { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in (string[])["netns", "exec", Info!.ScannerNamespace, .. Cli.Command, .. args]) psi.ArgumentList.Add(a);
            double start = Now();
            try
            {
                using var p = Process.Start(psi)!;
                var stdout = p.StandardOutput.ReadToEndAsync();
                var stderr = p.StandardError.ReadToEndAsync();
                if (!p.WaitForExit(CaseTimeoutMs))
                {
                    p.Kill(entireProcessTree: true);
                    throw new TimeoutException($"rawscan {string.Join(' ', args)} did not exit within {CaseTimeoutMs} ms");
                }
                p.WaitForExit();                               // and its output is read to the end
                return new(p.ExitCode, stdout.Result, stderr.Result);
            }
            finally
            {
                if (row is not null) lock (Ran) Ran.Add((row, start, Now()));
            }
        }

        /// <summary>The capture's frames, one line each, led by tcpdump -tt's time.</summary>
        public string[] StopCapture() => _capture!.Stop("-nn", "-tt");

        public void Dispose()
        {
            _capture?.Dispose();
            if (Info is not null) LabManager.Down(Name);
        }
    }

    /// <summary>The rows in the table's order, then the capture check, which needs every row to have run.</summary>
    public sealed class CaptureCheckLast : ITestCaseOrderer
    {
        public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases) where TTestCase : ITestCase =>
            testCases.OrderBy(t => t.TestMethod.Method.Name == nameof(TheLinkCarriedNoFrameFromAnyCase));
    }
}
