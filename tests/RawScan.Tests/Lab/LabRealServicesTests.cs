using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using RawScan.Lab;
using RawScan.Lab.Internal;
using RawScan.Output;
using RawScan.Results;
using RawScan.Targets;
using Xunit;
using Xunit.Abstractions;

namespace RawScan.Tests;

/// <summary>
/// RawScan beside nmap on the lab's real-services host (<c>lab up --real-services</c>): daemons
/// from Debian packages that nobody here wrote, so they answer as they do in the world, not as our
/// probes hope. nmap <c>-sU</c> on the same ports in the same run is the reference.
/// </summary>
[Collection(LabScans.Name)]
public partial class LabRealServicesTests(ITestOutputHelper output)
{
    private static readonly LabSpec Spec = LabSpec.Default;

    /// <summary>Every daemon's port, then the dropped, the rejected and the closed one.</summary>
    private static IReadOnlyList<ushort> Ports =>
        [.. Spec.RealServices.Select(s => s.Port), Spec.RealDroppedPort, Spec.RealRejectedPort, Spec.RealClosedPort];

    [LabFact]
    public void RawScanAgreesWithNmapOnEveryPortOfTheRealHost()
    {
        string name = LabManagerTests.UniqueName();
        string dir = Directory.CreateTempSubdirectory("rawscan-real-").FullName;
        try
        {
            var lab = LabManager.Up(name, Cli.Command, realServices: true);
            string host = Ipv4.Format(lab.RealHost);
            string ports = string.Join(',', Ports);
            string json = Path.Combine(dir, "rawscan.jsonl"), xml = Path.Combine(dir, "nmap.xml");

            // RawScan, watched from the scanner's side of the link: every reply must come from the
            // address probed (a daemon answering from another address would be no answer at all).
            Cli.Result scan = null!;
            var capture = LabCapture.OnScanner(lab, $"(udp or icmp) and dst host {Ipv4.Format(lab.ScannerAddress)}", () =>
                scan = Cli.Run(["scan", "--lab", name, host, "-sU", "-p", ports, "--show", "closed,filtered", "-oJ", json]));
            Assert.True(scan.ExitCode == 0, $"rawscan exited {scan.ExitCode}: {scan.Stderr}");
            Dictionary<ushort, string> rawscan;
            using (var reader = File.OpenText(json))
                rawscan = JsonLinesWriter.Read(reader).Where(r => r.Protocol == Protocol.Udp).ToDictionary(r => r.Port, r => r.State.Name());

            // nmap, the reference, the same ports of the same host from the same namespace.
            var nmap = Exec.TryRun(null, ["ip", "netns", "exec", lab.ScannerNamespace,
                "nmap", "-sU", "-Pn", "-n", "--max-retries", "2", "-p", ports, "-oX", xml, host]);
            Assert.True(nmap.ExitCode == 0, $"nmap exited {nmap.ExitCode}: {nmap.StdErr}");
            var reference = NmapStates(xml);

            var problems = new List<string>();
            var extra = new List<string>();
            foreach (ushort port in Ports)
            {
                string what = Spec.RealServices.FirstOrDefault(s => s.Port == port) is RealService s ? $"{s.Service} ({s.Daemon})"
                    : port == Spec.RealDroppedPort ? "dropped" : port == Spec.RealRejectedPort ? "rejected, admin-prohibited" : "closed";
                string ours = rawscan.GetValueOrDefault(port, "(not reported)"), theirs = reference.GetValueOrDefault(port, "(not reported)");
                if (ours == theirs) continue;
                // RawScan's probe drew a real answer where nmap's did not: allowed, and said.
                if (ours == "open" && theirs == "open|filtered") extra.Add($"udp {port} {what}: RawScan open, nmap open|filtered");
                else problems.Add($"udp {port} {what}: RawScan {ours}, nmap {theirs}");
            }
            foreach (var line in extra) output.WriteLine($"open to RawScan only: {line}");

            var malformed = Malformed().Match(scan.Stderr);
            if (!malformed.Success) problems.Add("the summary has no 'N malformed' count");
            else if (malformed.Groups[1].Value != "0") problems.Add($"{malformed.Groups[1].Value} replies counted malformed");

            // "    198.19.1.1.53 > 198.19.0.2.61234: ..." or "    198.19.1.1 > 198.19.0.2: ICMP ...": the packet lines of tcpdump -vv.
            var sources = capture.Select(l => l.Trim()).Where(l => l.Contains($" > {Ipv4.Format(lab.ScannerAddress)}", StringComparison.Ordinal)
                && !l.StartsWith("IP ", StringComparison.Ordinal)).Select(l => l.Split(' ')[0]).ToList();
            if (sources.Count == 0) problems.Add("tcpdump saw no reply on scan0");
            foreach (var source in sources.Distinct())
                if (source != host && !source.StartsWith(host + ".", StringComparison.Ordinal)) problems.Add($"a reply came from {source}, not from {host}");
            foreach (ushort port in rawscan.Where(x => x.Value == "open").Select(x => x.Key))
                if (!sources.Contains($"{host}.{port}")) problems.Add($"udp {port} is open to RawScan, but tcpdump saw no reply from {host}.{port}");

            Assert.True(problems.Count == 0, $"RawScan vs nmap on the real-services host ({problems.Count} problems):\n  "
                + string.Join("\n  ", problems) + $"\nRawScan's summary:\n{Summary(scan.Stderr)}");
        }
        finally
        {
            LabManager.Down(name);
            Directory.Delete(dir, recursive: true);
        }
    }

    [LabFact]
    public void LabDownStopsEveryDaemonAndLeavesNothingBehind()
    {
        string name = LabManagerTests.UniqueName();
        var spec = LabSpec.For(name);
        try
        {
            var up = Cli.Run(["lab", "up", "--real-services", "--name", name]);
            Assert.True(up.ExitCode == 0, $"lab up --real-services exited {up.ExitCode}: {up.Stderr}");
            var info = LabManager.Status(name)!;
            Assert.Equal(spec.RealNamespace, info.RealNamespace);
            Assert.Equal(spec.RealServices.Select(s => (s.Daemon, s.Port)), info.RealDaemons!.Where(d => d.Protocol == "udp").Select(d => (d.Daemon, d.Port)));
            var skipped = LabManager.RealSkipped(name);
            Assert.Equal(spec.RealTcpServices.Select(t => t.InstanceName).Distinct().Where(n => !spec.RealServices.Any(s => s.Daemon == n))
                .Where(n => !skipped.Any(x => x.StartsWith(n + " ", StringComparison.Ordinal))),
                info.RealDaemons!.Where(d => d.Protocol == "tcp").Select(d => d.Daemon));
            Assert.True(info.RealServicesAlive, "not every daemon is running: " + string.Join(", ", info.RealDaemons!.Where(d => !d.Alive).Select(d => d.Daemon)));
            foreach (var d in info.RealDaemons!.Where(d => d.Protocol == "udp"))
                Assert.Contains($"udp {d.Port,-5}  {d.Daemon,-13} pid {d.Pid}", up.Stdout);

            // The pids recorded are the daemons themselves, not a shell or launcher in front of them.
            foreach (var d in info.RealDaemons!)
                Assert.Contains(d.Daemon == "avahi-daemon" ? "avahi-daemon" : "/" + d.Daemon.Replace("-12345", "", StringComparison.Ordinal), Command(d.Pid));
            string realNetns = Exec.Run("readlink", $"/proc/{info.RealDaemons![0].Pid}/ns/net").Trim();   // "net:[4026532318]"
            var everyPid = Exec.Run("ip", "netns", "pids", spec.RealNamespace).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
            Assert.True(everyPid.Count >= info.RealDaemons!.Count, "fewer processes in the real namespace than daemons");

            var down = Cli.Run(["lab", "down", "--name", name]);
            Assert.True(down.ExitCode == 0, $"lab down exited {down.ExitCode}: {down.Stderr}");

            // Nothing of it runs any more, by pid, by namespace (ps's netns column) or by command line.
            var ps = Exec.Run("ps", "-e", "-o", "pid=,netns=,args=").Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Trim().Split(' ', 3, StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length >= 2).ToList();
            string inode = realNetns[(realNetns.IndexOf('[') + 1)..^1];
            string stateDir = LabManager.StateDirectory(name);
            Assert.DoesNotContain(ps, f => everyPid.Contains(int.Parse(f[0], CultureInfo.InvariantCulture)) && f.Length == 3 && !f[2].Contains("<defunct>"));
            Assert.DoesNotContain(ps, f => f[1] == inode);
            Assert.DoesNotContain(ps, f => f.Length == 3 && f[2].Contains(stateDir + "/", StringComparison.Ordinal));
            Assert.DoesNotContain(spec.RealNamespace, Exec.Run("ip", "netns", "list"));
            Assert.False(Directory.Exists(stateDir), $"{stateDir} is still there");
            Assert.DoesNotContain(stateDir, File.ReadAllText("/proc/self/mountinfo"));
        }
        finally
        {
            LabManager.Down(name);
        }
    }

    /// <summary>run-scan.sh installs every daemon the real-services host runs.</summary>
    [Fact]
    public void RunScanInstallsEveryRealServicePackage()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "run-scan.sh"))) dir = dir.Parent;
        Assert.True(dir is not null, "run-scan.sh not found above the test directory");
        var packages = PackagesLine().Matches(File.ReadAllText(Path.Combine(dir.FullName, "run-scan.sh")))
            .SelectMany(m => m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToHashSet();
        Assert.All(Spec.RealServices, s => Assert.Contains(s.Package, packages));
        Assert.All(Spec.RealTcpServices, s => Assert.Contains(s.Package, packages));
    }

    /// <summary>nmap's state of each UDP port in its XML, read here with an XML parser of our own choosing, not RawScan's reader.</summary>
    private static Dictionary<ushort, string> NmapStates(string xml) =>
        XDocument.Load(xml).Descendants("port")
            .Where(p => (string?)p.Attribute("protocol") == "udp")
            .ToDictionary(p => ushort.Parse((string)p.Attribute("portid")!, CultureInfo.InvariantCulture),
                p => (string)p.Element("state")!.Attribute("state")!);

    private static string Command(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "(gone)";
        }
    }

    /// <summary>The summary lines of RawScan's standard error.</summary>
    private static string Summary(string stderr) =>
        string.Join("\n", stderr.Split('\n').Where(l => l.StartsWith("rawscan:", StringComparison.Ordinal)));

    [GeneratedRegex(@"(\d+) malformed")]
    private static partial Regex Malformed();

    [GeneratedRegex(@"PACKAGES\+?=\(([^)]*)\)")]
    private static partial Regex PackagesLine();
}
