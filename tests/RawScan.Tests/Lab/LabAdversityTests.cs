using System.Diagnostics;
using RawScan.Lab;
using RawScan.Output;
using RawScan.Results;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>The scan against a lossy link and a forger: the judged cases of the receive side.</summary>
[Collection(LabScans.Name)]
public class LabAdversityTests(AdversityLabFixture lab) : IClassFixture<AdversityLabFixture>
{
    private List<PortResult> Scan(params string[] args) => ScanWithSummary(args).Results;

    /// <summary>The results, and the scanner's summary lines (its standard error), for failure messages.</summary>
    private (List<PortResult> Results, string Summary) ScanWithSummary(params string[] args)
    {
        string json = Path.GetTempFileName();
        try
        {
            var r = Cli.Run(["scan", "--lab", lab.Name, "-oJ", json, .. args], timeoutMs: 300_000);
            Assert.True(r.ExitCode == 0, $"rawscan exited {r.ExitCode}: {r.Stderr}");
            using var reader = File.OpenText(json);
            return ([.. JsonLinesWriter.Read(reader)], string.Join('\n', r.Stderr.Split('\n').Where(l => l.StartsWith("rawscan:"))));
        }
        finally { File.Delete(json); }
    }

    /// <summary>
    /// 5% of probes lost at random on the link: with two retries at least 99.9% of 198.18.0.0/16 x 80
    /// must be found (masscan without retries found 95.0% on this lab, zmap with two probes 99.7%).
    /// </summary>
    [LabFact]
    public void FivePercentLossWithTwoRetriesFindsAtLeast999Permille()
    {
        LabManager.SetLoss(lab.Name, 5);
        try
        {
            var results = Scan("198.18.0.0/16", "-p", "80", "--retries", "2", "--rate", "100000", "--wait", "1");
            var open = results.Where(r => r.State == PortState.Open).Select(r => r.Address).ToHashSet();
            Assert.Equal(open.Count, results.Count(r => r.State == PortState.Open));          // each once
            Assert.True(open.Count >= 65_471, $"found {open.Count} of 65,536 ({open.Count / 655.36:F2}%)");
            Assert.DoesNotContain(results, r => r.State == PortState.Closed);                // nothing invented
        }
        finally { LabManager.SetLoss(lab.Name, 0); }
    }

    /// <summary>
    /// A forger in the lab sends random SYN-ACKs and RSTs at the scanner's address and ports while it
    /// scans: the cookie must reject every one, and every open and closed pair must still be right.
    /// </summary>
    [LabFact]
    public async Task ForgedRepliesChangeNothing()
    {
        var psi = Cli.StartInfo(["lab", "forge", "--name", lab.Name, "--rate", "20000", "--seconds", "30"]);
        using var forger = Process.Start(psi)!;
        var forgerOut = forger.StandardOutput.ReadToEndAsync();
        var forgerErr = forger.StandardError.ReadToEndAsync();
        try
        {
            await Task.Delay(1000);                                  // forging before the scan starts
            const string targets = "198.18.0.0/20";
            var r = Cli.Run(["scan", "--lab", lab.Name, targets, "-p", "22,80,81", "--show", "closed", "--rate", "20000", "--wait", "1",
                "-oJ", "-"]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            if (forger.HasExited) Assert.Fail("the forger stopped before the scan ended: " + await forgerErr); // its stderr ends only when it does
            var results = JsonLinesWriter.Read(new StringReader(r.Stdout)).ToList();
            var truth = LabTruth.Load(lab.Info!.TruthPath);
            var expected = truth.Expect(TargetSet.Parse(targets), PortSet.Parse("22,80,81"), Protocol.Tcp)
                .Where(e => e.State != PortState.Filtered).ToDictionary(e => (e.Address, e.Port), e => e.State);
            var found = results.ToDictionary(x => (x.Address, x.Port), x => x.State);
            Assert.Equal(results.Count, found.Count);
            Assert.True(expected.Count == found.Count, $"{found.Count} of {expected.Count} reported:\n{r.Stderr}");   // no false positive, nothing missing
            foreach (var (pair, state) in expected) Assert.Equal(state, found[pair]);
            var forgedLine = r.Stderr.Split('\n').Single(l => l.Contains("failed the proof"));
            long forged = long.Parse(System.Text.RegularExpressions.Regex.Match(forgedLine, @"(\d+) failed the proof").Groups[1].Value);
            Assert.True(forged > 1000, $"the forger's replies did not reach the scanner: {forgedLine}");
        }
        finally
        {
            if (!forger.HasExited) RawScan.Lab.Internal.Exec.Run("kill", "-INT", forger.Id.ToString());
            forger.WaitForExit(10_000);
            await forgerOut;
        }
    }

    /// <summary>
    /// A UDP scan of a /20 over open, closed and dropped ports reproduces the truth exactly, while the
    /// forger sends UDP "answers" and ICMP port unreachables at the scanner's ports.
    /// </summary>
    [LabFact]
    public async Task UdpScanMatchesTheTruthDespiteForgedReplies()
    {
        var psi = Cli.StartInfo(["lab", "forge", "--name", lab.Name, "--udp", "--rate", "20000", "--seconds", "30"]);
        using var forger = Process.Start(psi)!;
        var forgerOut = forger.StandardOutput.ReadToEndAsync();
        var forgerErr = forger.StandardError.ReadToEndAsync();
        try
        {
            await Task.Delay(1000);
            const string targets = "198.18.0.0/20", ports = "53,161,500,1000,1900";
            var r = Cli.Run(["scan", "--lab", lab.Name, targets, "-sU", "-p", ports, "--show", "closed,filtered", "--wait", "1", "-oJ", "-"]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            if (forger.HasExited) Assert.Fail("the forger stopped before the scan ended: " + await forgerErr);
            var found = JsonLinesWriter.Read(new StringReader(r.Stdout)).ToDictionary(x => (x.Address, x.Protocol, x.Port), x => x.State);
            var truth = LabTruth.Load(lab.Info!.TruthPath);
            var expected = truth.Expect(TargetSet.Parse(targets), PortSet.Parse(ports), Protocol.Udp).ToList();
            Assert.Equal(expected.Count, found.Count);
            var states = new Dictionary<PortState, int>();
            foreach (var (address, port, state) in expected)
            {
                Assert.True(found.TryGetValue((address, Protocol.Udp, port), out var got), $"{Ip.Format(address)}:{port}/udp not reported");
                if (got != state) Assert.Fail($"{Ip.Format(address)}:{port}/udp: the lab has it {state.Name()}, the scan said {got.Name()}");
                states[state] = states.GetValueOrDefault(state) + 1;
            }
            Assert.True(states.GetValueOrDefault(PortState.Open) > 4000 && states.GetValueOrDefault(PortState.Closed) > 4000
                && states.GetValueOrDefault(PortState.OpenFiltered) > 4000, "the truth lacks variety");
            var line = r.Stderr.Split('\n').Single(l => l.Contains("failed the proof"));
            Assert.True(long.Parse(System.Text.RegularExpressions.Regex.Match(line, @"(\d+) failed the proof").Groups[1].Value) > 1000,
                $"the forged replies did not reach the scanner: {line}");
        }
        finally
        {
            if (!forger.HasExited) RawScan.Lab.Internal.Exec.Run("kill", "-INT", forger.Id.ToString());
            forger.WaitForExit(10_000);
            await forgerOut;
        }
    }

    /// <summary>Every address of the /16 runs a DNS responder: a UDP 53 sweep finds all 65,536.</summary>
    [LabFact]
    public void EveryDnsResponderOfASlash16IsFound()
    {
        var udpBefore = TargetUdpCounters();
        var (results, summary) = ScanWithSummary("198.18.0.0/16", "-sU", "-p", "53", "--rate", "100000", "--wait", "1");
        Assert.All(results, x => Assert.Equal((Protocol.Udp, (ushort)53, PortState.Open), (x.Protocol, x.Port, x.State)));
        int found = results.Select(x => x.Address).Distinct().Count();
        Assert.True(found == 65_536 && results.Count == 65_536,
            $"found {found} of 65,536 in {results.Count} results\n{summary}\ntarget's UDP counters during the scan: {TargetUdpCounters().Since(udpBefore)}");
    }

    /// <summary>The target namespace's UDP counters (nstat), to tell loss at the responders from loss elsewhere.</summary>
    private UdpCounters TargetUdpCounters()
    {
        var values = new Dictionary<string, long>();
        foreach (var line in RawScan.Lab.Internal.Exec.Run("ip", "netns", "exec", lab.Info!.TargetNamespace, "nstat", "-asz").Split('\n'))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 2 && f[0].StartsWith("Udp") && long.TryParse(f[1], out long v)) values[f[0]] = v;
        }
        // The machine's per-CPU input backlogs (netdev_max_backlog) overflowing drops before any socket.
        values["BacklogDrops"] = File.ReadLines("/proc/net/softnet_stat").Sum(l => Convert.ToInt64(l.Split(' ')[1], 16));
        return new UdpCounters(values);
    }

    private sealed record UdpCounters(Dictionary<string, long> Values)
    {
        public string Since(UdpCounters before) => string.Join(", ", new[] { "UdpInDatagrams", "UdpOutDatagrams", "UdpRcvbufErrors", "UdpSndbufErrors", "UdpInErrors", "BacklogDrops" }
            .Select(k => $"{k} {Values.GetValueOrDefault(k) - before.Values.GetValueOrDefault(k)}"));
    }

    [LabFact]
    public void ResetClosesEveryHalfOpenConnection()
    {
        var lines = LabCapture.While(lab.Info!, "tcp[tcpflags] & tcp-rst != 0 and src host 198.19.0.2", () =>
        {
            var results = Scan("198.18.20.0/24", "-p", "80,443", "--reset", "--wait", "0.5");
            Assert.Equal(512, results.Count);
        });
        var rsts = lines.Where(l => l.Contains("Flags [R]")).ToList();
        Assert.Equal(512, rsts.Count);                               // one RST per SYN-ACK, none for anything else
        Assert.All(rsts, l => Assert.Contains("(correct)", l));
    }

    [LabFact]
    public void WithoutResetNothingAnswersTheReplies()
    {
        var lines = LabCapture.While(lab.Info!, "src net 198.19.0.0/24 and not tcp[tcpflags] == tcp-syn and not arp", () =>
            Assert.Equal(256, Scan("198.18.21.0/24", "-p", "80", "--wait", "0.5").Count));
        Assert.DoesNotContain(lines, l => l.Contains("Flags ["));
    }
}
