using System.Globalization;
using System.Xml.Linq;
using RawScan.Lab.Internal;
using RawScan.Output;
using RawScan.Results;
using RawScan.Targets;
using Xunit;
using Xunit.Abstractions;

namespace RawScan.Tests;

/// <summary>
/// RawScan scanning IPv6 end to end (issue 13): SYN and UDP scans of the lab's IPv6 ranges against
/// its truth, IPv4 and IPv6 in one scan, the same ports by nmap -6 in the same run, and a dry run's
/// IPv6 frames decoded by tshark with every checksum good.
/// </summary>
[Collection(LabScans.Name)]
public class LabIpv6ScanTests(ScanLabFixture lab, ITestOutputHelper output) : IClassFixture<ScanLabFixture>
{
    private List<PortResult> Scan(params string[] args)
    {
        string json = Path.Combine(Path.GetTempPath(), $"rawscan-v6-{lab.Name}-{Guid.NewGuid():N}.jsonl");
        try
        {
            var r = Cli.Run(["scan", "--lab", lab.Name, .. args, "-oJ", json, "--wait", "1", "--show", "closed,filtered"]);
            output.WriteLine(r.Stderr);
            Assert.True(r.ExitCode == 0, $"rawscan exited {r.ExitCode}: {r.Stderr}");
            Assert.DoesNotContain("via 00:00:00:00:00:00", r.Stderr);     // the next hop's MAC was found, for either family
            using var reader = File.OpenText(json);
            return [.. JsonLinesWriter.Read(reader)];
        }
        finally { File.Delete(json); }
    }

    private void AssertTruth(List<PortResult> results, string targets, string ports, Protocol protocol)
    {
        var found = new Dictionary<(UInt128, ushort), PortState>();
        foreach (var r in results.Where(r => r.Protocol == protocol))
            Assert.True(found.TryAdd((r.Address, r.Port), r.State), $"{r} reported twice");
        int n = 0;
        var states = new HashSet<PortState>();
        foreach (var (address, port, state) in lab.Truth!.Expect(TargetSet.Parse(targets), PortSet.Parse(ports), protocol))
        {
            n++;
            states.Add(state);
            Assert.True(found.TryGetValue((address, port), out var got), $"{Ip.Format(address)} {port}/{protocol.Name()} ({state.Name()}) not reported");
            Assert.True(got == state, $"{Ip.Format(address)} {port}/{protocol.Name()}: the lab has it {state.Name()}, the scan said {got.Name()}");
        }
        Assert.Equal(n, found.Count);
        Assert.True(states.Count >= 2, $"the truth lacks variety: {string.Join(",", states)}");
    }

    [LabFact]
    public void ASynScanOfAnIpv6RangeMatchesTheTruth()
    {
        var results = Scan("2001:db8:1::/120,2001:db8:1::300/124", "-p", "22,80,81,443");
        AssertTruth(results, "2001:db8:1::/120,2001:db8:1::300/124", "22,80,81,443", Protocol.Tcp);
        Assert.All(results.Where(r => r.State == PortState.Open), r => Assert.Equal(PortReason.SynAck, r.Reason));
    }

    /// <summary>On the assigned /128s a closed UDP port's port unreachable comes from the address itself: closed, not filtered.</summary>
    [LabFact]
    public void AUdpScanOfIpv6AddressesMatchesTheTruth()
    {
        var results = Scan("2001:db8:1::100/122,2001:db8:1::5,2001:db8:1::85", "-sU", "-p", "53,161,500,9999");
        AssertTruth(results, "2001:db8:1::100/122,2001:db8:1::5,2001:db8:1::85", "53,161,500,9999", Protocol.Udp);
        Assert.Contains(results, r => r.Port == 53 && r.State == PortState.Open && r.Reason == PortReason.ProtoResponse);
        Assert.Contains(results, r => r.Port == 9999 && r.State == PortState.Closed && r.Reason == PortReason.PortUnreach);
        // ::5 is only routed to the target: its port unreachable comes from 2001:db8:ff::1, which nmap calls filtered.
        Assert.Contains(results, r => r.Address == Ipv6.Parse("2001:db8:1::5") && r.Port == 9999 && r.State == PortState.Filtered);
    }

    [LabFact]
    public void Ipv4AndIpv6InOneScan()
    {
        var results = Scan("198.18.0.0/26,2001:db8:1::/122", "-p", "80");
        Assert.Equal(128, results.Count);
        Assert.All(results, r => Assert.Equal(PortState.Open, r.State));
        Assert.Equal(64, results.Count(r => Ip.IsV4(r.Address)));
        Assert.Equal(128, results.Select(r => r.Address).Distinct().Count());
    }

    /// <summary>
    /// From a spare source no interface has (2001:db8:ff::10): RawScan answers the target's Neighbor
    /// Solicitations for it, so the SYN-ACKs come back, and no kernel resets them (none owns the address).
    /// --packet-trace shows the IPv6 probes and replies.
    /// </summary>
    [LabFact]
    public void ASpareIpv6SourceIsAnsweredForAndTraced()
    {
        string json = Path.Combine(Path.GetTempPath(), $"rawscan-v6spare-{Guid.NewGuid():N}.jsonl");
        try
        {
            var r = Cli.Run(["scan", "--lab", lab.Name, "2001:db8:1::/124", "-p", "80", "--source-ip", "2001:db8:ff::10", "--packet-trace", "-oJ", json, "--wait", "1"]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            using (var reader = File.OpenText(json))
                Assert.Equal(16, JsonLinesWriter.Read(reader).Count(x => x.State == PortState.Open));
            Assert.Contains("SENT [2001:db8:ff::10]:", r.Stderr);
            Assert.Contains("RCVD [2001:db8:1::", r.Stderr);
            Assert.Contains("> [2001:db8:ff::10]:", r.Stderr);
            Assert.Contains("from 2001:db8:ff::10 via", r.Stderr);
        }
        finally { File.Delete(json); }
    }

    /// <summary>An IPv6 scan interrupted and resumed (its place, journal and window work on indices, whatever the family): every port once.</summary>
    [LabFact]
    public async Task AnInterruptedIpv6ScanResumesExactly()
    {
        string dir = Directory.CreateTempSubdirectory("rawscan-v6resume-").FullName;
        try
        {
            string json = Path.Combine(dir, "r.json"), saved = Path.Combine(dir, "paused.rawscan");
            var psi = Cli.StartInfo(["scan", "--lab", lab.Name, "2001:db8:1::/114", "-p", "80", "--rate", "5000",
                         "-oJ", json, "--resume-file", saved, "--wait", "0.5"]);
            using (var p = System.Diagnostics.Process.Start(psi)!)
            {
                var stdout = p.StandardOutput.ReadToEndAsync();
                var stderr = p.StandardError.ReadToEndAsync();
                await Task.Delay(2000);                                   // about 6,000 of 16,384 probes sent
                Exec.Run("kill", "-INT", p.Id.ToString(CultureInfo.InvariantCulture));
                Assert.True(p.WaitForExit(20_000));
                Assert.True(p.ExitCode == 130, await stderr);
                await stdout;
            }
            var r = Cli.Run(["scan", "--lab", lab.Name, "--resume", saved, "--rate", "max"]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            using var reader = File.OpenText(json);
            var results = JsonLinesWriter.Read(reader).ToList();
            Assert.Equal(16384, results.Count);
            Assert.Equal(16384, results.Select(x => x.Address).Distinct().Count());
            Assert.All(results, x => Assert.True(x.State == PortState.Open && !Ip.IsV4(x.Address)));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>A link-local target, scanned on the interface named (which lifts fe80::/10 from the built-in exclude): from our link-local address, the target's MAC by our solicitation.</summary>
    [LabFact]
    public void ALinkLocalTargetIsScannedOnItsInterface()
    {
        string ll = Exec.Run("ip", "-n", lab.Info!.TargetNamespace, "-6", "-o", "addr", "show", "dev", "tgt0", "scope", "link")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[3].Split('/')[0];
        var results = Scan(ll, "-p", "22,80,81", "--interface", "scan0");
        Assert.Equal(["22 open", "80 open", "81 closed"], results.OrderBy(r => r.Port).Select(r => $"{r.Port} {r.State.Name()}"));
        Assert.All(results, r => Assert.Equal(Ipv6.Parse(ll), r.Address));
    }

    /// <summary>RawScan and nmap -6 on the same addresses and ports, one after the other in the same run: the same states.</summary>
    [LabFact]
    public void RawScanAgreesWithNmapOverIpv6()
    {
        string[] targets = ["2001:db8:1::5", "2001:db8:1::85", "2001:db8:1::105", "2001:db8:1::305"];
        var ours = Scan(string.Join(",", targets), "-p", "22,80,81,443");
        var nmap = Nmap("-sS", "22,80,81,443", targets);
        Assert.Equal(16, nmap.Count);
        foreach (var (address, port, state) in nmap)
        {
            var mine = ours.Single(r => r.Address == Ipv6.Parse(address) && r.Port == port);
            Assert.True(mine.State.Name() == state, $"{address} {port}: nmap says {state}, RawScan {mine.State.Name()}");
        }
        var ours6 = Scan("2001:db8:1::105,2001:db8:1::5", "-sU", "-p", "53,161,500,9999");
        foreach (var (address, port, state) in Nmap("-sU", "53,161,500,9999", "2001:db8:1::105", "2001:db8:1::5"))
        {
            var mine = ours6.Single(r => r.Address == Ipv6.Parse(address) && r.Port == port);
            Assert.True(mine.State.Name() == state, $"{address} {port}/udp: nmap says {state}, RawScan {mine.State.Name()}");
        }
    }

    /// <summary>A dry run's IPv6 frames, read by tshark: every TCP and UDP checksum good, the addresses and ports those asked.</summary>
    [LabFact]
    public void ADryRunsIpv6FramesDecodeWithGoodChecksums()
    {
        string pcap = Path.Combine(Path.GetTempPath(), $"rawscan-v6dry-{Guid.NewGuid():N}.pcap");
        try
        {
            var r = Cli.Run(["scan", "2001:db8:1::/124", "-sS", "-sU", "-p", "T:80,443,U:53,161", "--dry-run", "--write-pcap", pcap,
                "--source-ip", "2001:db8:ff::2", "--router-mac", "02:00:00:00:00:01", "--resume-file", pcap + ".rawscan"]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            var t = Exec.Run("tshark", "-r", pcap, "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-T", "fields",
                "-e", "ipv6.dst", "-e", "tcp.dstport", "-e", "udp.dstport", "-e", "tcp.checksum.status", "-e", "udp.checksum.status");
            var lines = t.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(16 * 4, lines.Length);
            Assert.All(lines, l => Assert.Contains("\t1", l));            // checksum status 1: good
            Assert.DoesNotContain(lines, l => l.Contains("\t2"));         // 2: bad
            Assert.Equal(16, lines.Select(l => l.Split('\t')[0]).Distinct().Count());
        }
        finally
        {
            File.Delete(pcap);
        }
    }

    private List<(string Address, ushort Port, string State)> Nmap(string scan, string ports, params string[] targets)
    {
        string xml = Path.Combine(Path.GetTempPath(), $"rawscan-nmap6-{Guid.NewGuid():N}.xml");
        try
        {
            var r = Exec.TryRun(null, ["ip", "netns", "exec", lab.Info!.ScannerNamespace, "nmap", "-6", "-n", "-Pn", scan, "-p", ports, "--reason", "-oX", xml, .. targets]);
            Assert.True(r.ExitCode == 0, $"nmap exited {r.ExitCode}: {r.StdErr}");
            output.WriteLine(r.StdOut);
            return [.. XDocument.Load(xml).Descendants("host").SelectMany(h =>
            {
                string address = (string)h.Elements("address").Single(a => (string?)a.Attribute("addrtype") == "ipv6").Attribute("addr")!;
                return h.Descendants("port").Select(p => (address, ushort.Parse((string)p.Attribute("portid")!, CultureInfo.InvariantCulture),
                    (string)p.Element("state")!.Attribute("state")!));
            })];
        }
        finally { File.Delete(xml); }
    }
}
