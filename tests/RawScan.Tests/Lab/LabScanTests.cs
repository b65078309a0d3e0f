using System.Diagnostics;
using RawScan.Output;
using RawScan.Results;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

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
        Assert.All(addresses, a => Assert.True(IpRange.Parse("198.18.0.0/16").Contains(a)));
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
            var at = $"{Ip.Format(address)}:{port}";
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
            var psi = Cli.StartInfo(["scan", "--lab", lab.Name, "198.18.16.0/20", "-p", "80", "--rate", "1000",
                         "-oJ", json, "--resume-file", saved, "--wait", "0.5"]);
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
            var sets = new Dictionary<string, HashSet<(UInt128, Protocol, ushort, PortState)>>();
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
