using System.Diagnostics;
using RawScan.Lab;
using RawScan.Output;
using RawScan.Results;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>One lab for the scans of this class, with a name no other test run uses, taken down after.</summary>
public sealed class ScanLabFixture : IDisposable
{
    public string Name { get; } = "s" + Convert.ToHexString(BitConverter.GetBytes(Random.Shared.Next())).ToLowerInvariant()[..7];
    public LabInfo? Info { get; }
    public LabTruth? Truth { get; }

    public ScanLabFixture()
    {
        if (!LabFactAttribute.CanRun) return;
        Info = LabManager.Up(Name, Cli.Command);
        Truth = LabTruth.Load(Info.TruthPath);
    }

    public void Dispose()
    {
        if (Info is not null) LabManager.Down(Name);
    }
}

/// <summary>Real scans of the lab's namespaces, checked against the lab's truth file.</summary>
[Collection(LabScans.Name)]
public class LabScanTests(ScanLabFixture lab) : IClassFixture<ScanLabFixture>
{
    private List<PortResult> Scan(string targets, string ports, params string[] extra)
    {
        string json = Path.Combine(Path.GetTempPath(), $"rawscan-{lab.Name}-{Guid.NewGuid():N}.jsonl");
        try
        {
            var r = Cli.Run(["scan", "--lab", lab.Name, targets, "-p", ports, "-oJ", json, "--wait", "1", .. extra]);
            Assert.True(r.ExitCode == 0, $"rawscan exited {r.ExitCode}: {r.Stderr}");
            using var reader = File.OpenText(json);
            return [.. JsonLinesWriter.Read(reader)];
        }
        finally { File.Delete(json); }
    }

    [LabFact]
    public void WholeSlash16OnPort80IsOpenWithNoFalsePositive()
    {
        var results = Scan("198.18.0.0/16", "80", "--rate", "200000");
        Assert.All(results, r => Assert.Equal((Protocol.Tcp, (ushort)80, PortState.Open), (r.Protocol, r.Port, r.State)));
        var addresses = results.Select(r => r.Address).ToHashSet();
        Assert.Equal(results.Count, addresses.Count);                       // each reported once
        Assert.Equal(65536, addresses.Count);
        Assert.All(addresses, a => Assert.True(Ipv4Range.Parse("198.18.0.0/16").Contains(a)));
    }

    [LabFact]
    public void OpenClosedAndFilteredMatchTheTruthExactly()
    {
        const string targets = "198.18.0.120-198.18.0.135,198.18.3.0/28";
        const string ports = "1-1024,3306,8080,31337";
        var results = Scan(targets, ports, "--show", "closed,filtered", "--retries", "1");
        var found = results.ToDictionary(r => (r.Address, r.Port), r => r.State);
        Assert.Equal(results.Count, found.Count);                          // each pair reported once
        int open = 0, closed = 0, filtered = 0;
        foreach (var (address, port, state) in lab.Truth!.Expect(TargetSet.Parse(targets), PortSet.Parse(ports), Protocol.Tcp))
        {
            var at = $"{Ipv4.Format(address)}:{port}";
            _ = state switch { PortState.Open => open++, PortState.Closed => closed++, _ => filtered++ };
            Assert.True(found.TryGetValue((address, port), out var got), $"{at} ({state.Name()}) was not reported");
            if (got != state) Assert.Fail($"{at}: the lab has it {state.Name()}, the scan said {got.Name()}");
        }
        Assert.Equal(open + closed + filtered, found.Count);               // nothing reported beyond the truth
        Assert.True(open > 50 && closed > 10_000 && filtered > 10_000, $"the truth lacks variety: {open}/{closed}/{filtered}");
    }

    [LabFact]
    public async Task InterruptedAndResumedScanReportsEveryPortOnce()
    {
        string dir = Directory.CreateTempSubdirectory("rawscan-lab-resume-").FullName;
        try
        {
            string json = Path.Combine(dir, "results.jsonl"), saved = Path.Combine(dir, "paused.rawscan");
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in (string[])[Cli.Dll, "scan", "--lab", lab.Name, "198.18.16.0/20", "-p", "80", "--rate", "1000",
                         "-oJ", json, "--resume-file", saved, "--wait", "0.5"])
                psi.ArgumentList.Add(a);
            using (var p = Process.Start(psi)!)
            {
                var stdout = p.StandardOutput.ReadToEndAsync();          // drained, or a full pipe would stall the scan
                var stderr = p.StandardError.ReadToEndAsync();
                await Task.Delay(1500);                                  // about 1,400 of 4,096 probes sent
                RawScan.Lab.Internal.Exec.Run("kill", "-INT", p.Id.ToString());
                Assert.True(p.WaitForExit(20_000));
                Assert.True(p.ExitCode == 130, await stderr);
                await stdout;
            }
            int first = File.ReadAllLines(json).Length;
            Assert.InRange(first, 1, 4095);

            var r = Cli.Run(["scan", "--lab", lab.Name, "--resume", saved, "--rate", "max"]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            using var reader = File.OpenText(json);
            var results = JsonLinesWriter.Read(reader).ToList();
            Assert.Equal(4096, results.Count);                          // the first part kept, the rest added
            Assert.Equal(4096, results.Select(x => x.Address).Distinct().Count());
            Assert.All(results, x => Assert.Equal(PortState.Open, x.State));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>One lab scan written in every format (-oA and -oH): each, read back, carries the same results.</summary>
    [LabFact]
    public void EveryFormatCarriesTheSameResults()
    {
        string dir = Directory.CreateTempSubdirectory("rawscan-formats-").FullName;
        try
        {
            string b = Path.Combine(dir, "scan");
            var r = Cli.Run(["scan", "--lab", lab.Name, "198.18.0.120-198.18.0.135,198.18.3.1", "-sS", "-sU",
                "-p", "T:21-25,80,443,8080,12345,31337,U:53,161,500", "--show", "closed,filtered", "-oA", b, "-oH", b + ".html", "--wait", "0.5"]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            var sets = new Dictionary<string, HashSet<(uint, Protocol, ushort, PortState)>>();
            foreach (var ext in new[] { "json", "csv", "xml", "gnmap" })
            {
                var results = ReportReader.Read($"{b}.{ext}");
                sets[ext] = results.Select(x => (x.Address, x.Protocol, x.Port, x.State)).ToHashSet();
                Assert.Equal(results.Count, sets[ext].Count);            // each result once
            }
            Assert.True(sets["json"].Count > 200, $"only {sets["json"].Count} results");
            Assert.Contains(sets["json"], x => x.Item2 == Protocol.Udp && x.Item4 == PortState.Open);
            Assert.Contains(sets["json"], x => x.Item4 == PortState.Filtered);
            Assert.Contains(sets["json"], x => x.Item4 == PortState.OpenFiltered);
            foreach (var ext in new[] { "csv", "xml", "gnmap" }) Assert.True(sets["json"].SetEquals(sets[ext]), $"{ext} differs from json");
            var html = File.ReadAllText(b + ".html");
            Assert.Contains("31337/tcp", html);
            RawScan.Lab.Internal.Exec.Run("xmllint", "--noout", "--dtdvalid", "/usr/share/nmap/nmap.dtd", b + ".xml");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>
    /// Nothing answers at all (a firewalled subnet): the scan must still end by itself, soon, with
    /// everything filtered. libpcap's own wait can block until a packet arrives; the loop must not.
    /// </summary>
    [LabFact]
    public void ASilentScanEndsByItself()
    {
        var clock = Stopwatch.StartNew();
        var results = Scan("198.18.3.0/27", "81-84", "--show", "filtered", "--retries", "1");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        Assert.Equal(32 * 4, results.Count);
        Assert.All(results, r => Assert.Equal(PortState.Filtered, r.State));
    }

    [LabFact]
    public void SpareSourceAddressIsAnsweredByArpAndFindsEveryOpenPort()
    {
        var results = Scan("198.18.9.0/24", "22,80,443", "--source-ip", "198.19.0.10");
        Assert.Equal(256 * 3, results.Count(r => r.State == PortState.Open));
    }
}

/// <summary>Bad input: one line naming the token, a non-zero exit, and nothing sent.</summary>
public class BadInputTests
{
    [Theory]
    [InlineData("198.18.0.0/33", "80", "'198.18.0.0/33'")]
    [InlineData("198.18.1", "80", "'198.18.1'")]
    [InlineData("198.18.0.1", "0-70000", "'70000'")]
    [InlineData("198.18.0.1", "abc", "'abc'")]
    public void BadTargetOrPortIsOneLineAndExit2(string target, string ports, string token)
    {
        // Run from the host's namespace, whose route to 198.18.0.0/16 is the default route: had the
        // scan got as far as a route lookup, capture or packet, it would fail there (exit 1, "refusing
        // to scan ... default route"), not with exit 2 naming the token.
        var r = Cli.Run(["scan", target, "-p", ports]);
        Assert.Equal(2, r.ExitCode);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(token, lines[0]);
        Assert.Equal("", r.Stdout);
    }

    [Theory]
    [InlineData("--rate", "fast", "'fast'")]
    [InlineData("--wait", "-1", "'-1'")]
    [InlineData("--bogus", null, "'--bogus'")]
    [InlineData("--source-ip", "198.19.0", "'198.19.0'")]
    [InlineData("--router-mac", "00:11:22", "'00:11:22'")]
    [InlineData("--lab", "Bad_Name", "'Bad_Name'")]
    public void BadOptionIsOneLineAndExit2(string option, string? value, string token)
    {
        string[] args = value is null ? ["scan", "198.18.0.1", "-p", "80", option] : ["scan", "198.18.0.1", "-p", "80", option, value];
        var r = Cli.Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(token, r.Stderr);
    }

    [Fact]
    public void ParsingFailsBeforeTheScannerIsBuilt()
    {
        // The parse step is pure and throws on the first bad token; Run calls it before anything else.
        var e = Assert.Throws<BadInputException>(() => RawScan.Cli.ScanCommand.Parse(["198.18.0.1", "-p", "80,90000"]));
        Assert.Equal("90000", e.Token);
    }
}

/// <summary>Runs the rawscan CLI that the build put beside the tests.</summary>
internal static class Cli
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "rawscan.dll");
    public static IReadOnlyList<string> Command => ["dotnet", Dll];

    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(IEnumerable<string> args, int timeoutMs = 120_000)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"rawscan {string.Join(' ', args)} did not exit within {timeoutMs} ms");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>What the scanner puts on the wire in the lab, seen by tcpdump in the target namespace.</summary>
[Collection(LabScans.Name)]
public class LabWireTests(ScanLabFixture lab) : IClassFixture<ScanLabFixture>
{
    [LabFact]
    public void ExcludedAddressesReceiveNoPacket()
    {
        string excludes = Path.GetTempFileName();
        File.WriteAllText(excludes, "# never these\n198.18.9.64/26\n198.18.9.200-198.18.9.209 # and these\n");
        try
        {
            var lines = LabCapture.While(lab.Info!, "tcp[tcpflags] == tcp-syn and dst net 198.18.9.0/24", () =>
            {
                var r = Cli.Run(["scan", "--lab", lab.Name, "198.18.9.0/24", "-p", "80,443", "--exclude", "198.18.9.7", "--excludefile", excludes, "--wait", "0.5"]);
                Assert.True(r.ExitCode == 0, r.Stderr);
            });
            var excluded = TargetSet.Parse("198.18.9.64/26,198.18.9.200-198.18.9.209,198.18.9.7");
            var syns = lines.Where(l => l.Contains("Flags [S]")).ToList();
            // "198.19.0.2.61234 > 198.18.9.5.80: Flags [S], ..." -> "198.18.9.5"
            var destinations = syns.Select(l => l.Trim().Split(' ')[2].TrimEnd(':')).Select(d => d[..d.LastIndexOf('.')]).ToList();
            Assert.Equal((256 - 64 - 10 - 1) * 2, syns.Count);            // every other address, both ports, once
            Assert.DoesNotContain(destinations, d => excluded.Contains(Ipv4Range.Parse(d).First));
        }
        finally { File.Delete(excludes); }
    }

    [LabFact]
    public void PacketTraceShowsEachProbeAndReply()
    {
        var r = Cli.Run(["scan", "--lab", lab.Name, "198.18.11.1", "-p", "80,81", "--packet-trace", "--wait", "0.5"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var lines = r.Stderr.Split('\n');
        Assert.Equal(2, lines.Count(l => l.StartsWith("SENT 198.19.0.2:", StringComparison.Ordinal) && l.Contains(" S seq=")));
        Assert.Single(lines, l => l.StartsWith("RCVD 198.18.11.1:80 > 198.19.0.2:", StringComparison.Ordinal) && l.Contains(" SA seq="));
        Assert.Single(lines, l => l.StartsWith("RCVD 198.18.11.1:81 > 198.19.0.2:", StringComparison.Ordinal) && l.Contains(" AR seq="));
    }

    [LabFact]
    public void PcapAndNativePathsFindTheSame()
    {
        foreach (var path in new[] { "pcap", "native" })
        {
            string json = Path.GetTempFileName();
            try
            {
                var r = Cli.Run(["scan", "--lab", lab.Name, "198.18.10.0/24", "-p", "22,80,81", "--send-path", path, "-oJ", json, "--wait", "0.5"]);
                Assert.True(r.ExitCode == 0, r.Stderr);
                Assert.Contains($"({path})", r.Stderr);
                using var reader = File.OpenText(json);
                Assert.Equal(256 * 2, JsonLinesWriter.Read(reader).Count(x => x.State == PortState.Open));
            }
            finally { File.Delete(json); }
        }
    }
}

/// <summary>Streamed reports reach their files while a slow scan runs, not in bursts at its end.</summary>
[Collection(LabScans.Name)]
public class LabStreamingTests(ScanLabFixture lab) : IClassFixture<ScanLabFixture>
{
    [LabFact]
    public void JsonLinesOfASlowScanReachTheFileWhileItRuns()
    {
        string json = Path.GetTempFileName();
        try
        {
            // 7 open ports at 2 probes/s: about 3.5 s of sending, one result every half second.
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { Cli.Dll, "scan", "--lab", lab.Name, "198.18.12.1", "-p", "22,25,80,443,3306,8080,31337", "--rate", "2", "-oJ", json, "--wait", "0.5" })
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            _ = p.StandardOutput.ReadToEndAsync();
            int Lines()
            {
                using var r = new StreamReader(new FileStream(json, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
                return r.ReadToEnd().Count(c => c == '\n');
            }
            int seenWhileRunning = 0;
            while (!p.WaitForExit(100)) seenWhileRunning = Math.Max(seenWhileRunning, Lines());
            Assert.True(p.ExitCode == 0, stderr.Result);
            Assert.Equal(7, Lines());
            // Every result but those of the last second or so was in the file before the scan ended.
            Assert.True(seenWhileRunning >= 4, $"only {seenWhileRunning} of 7 lines reached the file while the scan ran");
        }
        finally { File.Delete(json); }
    }
}
