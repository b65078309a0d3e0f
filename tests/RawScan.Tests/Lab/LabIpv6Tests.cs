using System.Globalization;
using System.Xml.Linq;
using RawScan.Lab;
using RawScan.Lab.Internal;
using RawScan.Results;
using RawScan.Targets;
using Xunit;
using Xunit.Abstractions;

namespace RawScan.Tests;

/// <summary>
/// The lab's IPv6 side, seen from the scanner namespace with tools we did not write: iproute2's
/// routes, ping, nmap -6 (SYN and UDP scans, compared with the truth port by port, reasons and
/// all), dig, and tcpdump on scan0 as the witness of who answered.
/// </summary>
[Collection(LabScans.Name)]
public class LabIpv6Tests(ScanLabFixture lab, ITestOutputHelper output) : IClassFixture<ScanLabFixture>
{
    private LabInfo Info => lab.Info!;
    private LabTruth Truth => lab.Truth!;
    private LabSpec Spec => lab.Truth!.Spec;

    [LabFact]
    public void TheScannerHasOneIpv6RouteAndNoDefault()
    {
        string ns = Info.ScannerNamespace;
        var routes = Exec.Run("ip", "-n", ns, "-6", "route").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var r in routes) output.WriteLine(r);
        Assert.Equal(["2001:db8::/32", "2001:db8:ff::/64", "fe80::/64"], routes.Select(r => r.Split(' ')[0]).Order(StringComparer.Ordinal));
        Assert.Contains(routes, r => r.StartsWith("2001:db8::/32 via 2001:db8:ff::1 dev scan0 ", StringComparison.Ordinal));
        // No table has a default route, the local table included (its routes are the namespace's own addresses and multicast).
        Assert.DoesNotContain("default", Exec.Run("ip", "-n", ns, "-6", "route", "show", "table", "all"));
        Assert.DoesNotContain("default", Exec.Run("ip", "-n", Info.TargetNamespace, "-6", "route", "show", "table", "all"));
        // So nothing outside the documentation prefix is reachable at all.
        var outside = Exec.TryRun(null, ["ip", "netns", "exec", ns, "ping", "-6", "-n", "-c", "1", "-W", "1", "2001:db9::1"]);
        Assert.NotEqual(0, outside.ExitCode);
        Assert.Contains("unreachable", outside.StdErr + outside.StdOut, StringComparison.OrdinalIgnoreCase);

        // Addresses usable at once (no DAD: never "tentative"), and the kernel neither asks for nor takes router advertisements.
        string addresses = Exec.Run("ip", "-n", ns, "-6", "addr", "show", "dev", "scan0");
        Assert.Contains("inet6 2001:db8:ff::2/64 scope global", addresses);
        Assert.DoesNotContain("tentative", addresses);
        foreach (var (key, value) in new[] { ("accept_ra", "0"), ("router_solicitations", "0"), ("accept_dad", "0") })
            Assert.Equal(value, Exec.Run("ip", "netns", "exec", ns, "sysctl", "-n", $"net.ipv6.conf.scan0.{key}").Trim());
        string target = Info.TargetNamespace;
        Assert.Equal("0", Exec.Run("ip", "netns", "exec", target, "sysctl", "-n", "net.ipv6.icmp.ratelimit").Trim());
        Assert.Equal("1", Exec.Run("ip", "netns", "exec", target, "sysctl", "-n", "net.ipv6.ip_nonlocal_bind").Trim());
        Assert.Contains("local 2001:db8:1::/64 dev lo", Exec.Run("ip", "-n", target, "-6", "route", "show", "table", "local"));
        // The assigned range, and only it, is configured address by address.
        var lo = Exec.Run("ip", "-n", target, "-6", "-o", "addr", "show", "dev", "lo").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3]).Where(a => a != "::1/128").Select(a => Ipv6.Parse(a[..^4])).ToHashSet();
        Assert.Equal(256, lo.Count);
        Assert.All(lo, a => Assert.True(Spec.AssignedRange6.Contains(a)));
    }

    [LabFact]
    public void PingAnswersAcrossTheSlash64()
    {
        foreach (var address in new[] { "2001:db8:1::5", "2001:db8:1::105", "2001:db8:1:0:ffff:ffff:ffff:fffe", "2001:db8:ff::1" })
        {
            var r = Exec.TryRun(null, ["ip", "netns", "exec", Info.ScannerNamespace, "ping", "-6", "-n", "-c", "1", "-W", "2", address]);
            output.WriteLine(r.StdOut.Split('\n')[1]);
            Assert.True(r.ExitCode == 0, $"ping -6 {address}: exit {r.ExitCode}: {r.StdOut} {r.StdErr}");
            Assert.Contains($"bytes from {address}: icmp_seq=1", r.StdOut);
        }
    }

    /// <summary>
    /// nmap -6 -sS: a routed address (::5), one in the /121 that drops 22 and 443 (::85) and an assigned
    /// one (::105), each port in the state the truth gives, for the reason that state has.
    /// </summary>
    [LabFact]
    public void NmapSynScanSeesWhatTheTruthSays()
    {
        var ports = Nmap("-sS", "22,80,81,443", "2001:db8:1::5", "2001:db8:1::85", "2001:db8:1::105");
        Assert.Equal(12, ports.Count);
        foreach (var p in ports)
        {
            var expected = Truth.Expected(Ipv6.Parse(p.Address), Protocol.Tcp, p.Port);
            Assert.True(expected.Name() == p.State, $"{p}: the truth says {expected.Name()}");
            Assert.Equal(expected switch { PortState.Open => "syn-ack", PortState.Closed => "reset", _ => "no-response" }, p.Reason);
            Assert.Null(p.ReasonIp);
        }
        Assert.Equal(["filtered", "open", "closed", "filtered"], ports.Where(p => p.Address == "2001:db8:1::85").Select(p => p.State));
        Assert.All(ports.Where(p => p.Address != "2001:db8:1::85"), p => Assert.Equal(p.Port == 81 ? "closed" : "open", p.State));
    }

    /// <summary>
    /// nmap -6 -sU on an assigned address and a routed one: 53 and 161 open on both by the responders'
    /// replies, 500 dropped; 9999 closed where the address is configured, and where it is only routed,
    /// filtered, the port unreachable coming from 2001:db8:ff::1 (as the truth says).
    /// </summary>
    [LabFact]
    public void NmapUdpScanSeesWhatTheTruthSays()
    {
        var ports = Nmap("-sU", "53,161,500,9999", "2001:db8:1::105", "2001:db8:1::5", "2001:db8:ff::1");
        Assert.Equal(12, ports.Count);
        string gateway = Ipv6.Format(Spec.Gateway6);
        foreach (var p in ports)
        {
            var address = Ipv6.Parse(p.Address);
            var expected = Truth.Expected(address, Protocol.Udp, p.Port);
            Assert.True(expected.Name() == p.State, $"{p}: the truth says {expected.Name()}");
            switch (expected)
            {
                case PortState.Open:
                    Assert.Equal("udp-response", p.Reason);
                    break;
                case PortState.Closed:
                    Assert.Equal("port-unreach", p.Reason);
                    Assert.Null(p.ReasonIp);                       // from the address probed
                    Assert.True(Truth.AnswersFromItself(address));
                    break;
                case PortState.Filtered:
                    Assert.Equal("port-unreach", p.Reason);
                    Assert.Equal(gateway, p.ReasonIp);             // from the target's link address
                    Assert.False(Truth.AnswersFromItself(address));
                    break;
                default:
                    Assert.Equal("no-response", p.Reason);
                    break;
            }
        }
        Assert.Equal(["open", "open", "open|filtered", "closed"], ports.Where(p => p.Address == "2001:db8:1::105").Select(p => p.State));
        Assert.Equal(["open", "open", "open|filtered", "filtered"], ports.Where(p => p.Address == "2001:db8:1::5").Select(p => p.State));
        Assert.Equal(["open", "open", "closed", "closed"], ports.Where(p => p.Address == gateway).Select(p => p.State));
    }

    /// <summary>dig's AAAA query gets the answer, and tcpdump on scan0 sees it come from the address asked, nothing from elsewhere.</summary>
    [LabFact]
    public void DigGetsItsAnswerFromTheAddressAsked()
    {
        string[] asked = ["2001:db8:1::5", "2001:db8:1::105", "2001:db8:1:0:ffff:ffff:ffff:ffff"];
        var answers = new Dictionary<string, Exec.Result>();
        var capture = LabCapture.OnScanner(Info, "ip6 and udp", verbose: false, send: () =>
        {
            foreach (var a in asked)
                answers[a] = Exec.TryRun(null, ["ip", "netns", "exec", Info.ScannerNamespace,
                    "dig", "-6", "+time=2", "+tries=1", "+norecurse", $"@{a}", "RaWsCaN.example", "AAAA"]);
        });
        foreach (var l in capture) output.WriteLine(l);
        foreach (var a in asked)
        {
            var r = answers[a];
            Assert.True(r.ExitCode == 0, $"dig @{a}: exit {r.ExitCode}: {r.StdOut} {r.StdErr}");
            Assert.Contains("status: NOERROR", r.StdOut);
            Assert.Contains("flags: qr aa;", r.StdOut);
            Assert.Matches($@"\nRaWsCaN\.example\.\s+0\s+IN\s+AAAA\s+{System.Text.RegularExpressions.Regex.Escape(a)}\n", r.StdOut);  // the case echoed; AAAA the address asked
            Assert.Contains($"SERVER: {a}#53({a}) (UDP)", r.StdOut);
            Assert.Contains(capture, l => l.StartsWith($"IP6 {a}.53 > 2001:db8:ff::2.", StringComparison.Ordinal));
        }
        Assert.All(capture.Where(l => l.Contains(" > 2001:db8:ff::2.", StringComparison.Ordinal)),
            l => Assert.Contains(asked, a => l.StartsWith($"IP6 {a}.53 >", StringComparison.Ordinal)));
    }

    /// <summary>The scanner namespace's ingress drop of RawScan's source ports holds for IPv6 too: its kernel never sees them.</summary>
    [LabFact]
    public void TheScannerDropsIpv6ToItsSourcePorts()
    {
        string scan = Info.ScannerNamespace, target = Info.TargetNamespace;
        int first = Spec.ScannerSourcePorts[0];
        var dropped = Task.Run(() => Exec.TryRun(null, ["ip", "netns", "exec", scan, "timeout", "3", "socat", "-u", $"UDP6-RECV:{first}", "-"]));
        var passed = Task.Run(() => Exec.TryRun(null, ["ip", "netns", "exec", scan, "timeout", "3", "socat", "-u", $"UDP6-RECV:{first - 1}", "-"]));
        Thread.Sleep(500);
        foreach (int port in new[] { first, first - 1 })
            Exec.RunWithInput($"to {port}\n", "ip", "netns", "exec", target, "socat", "-u", "-", $"UDP6-SENDTO:[{Ipv6.Format(Spec.ScannerAddress6)}]:{port}");
        Assert.Equal($"to {first - 1}\n", passed.Result.StdOut);
        Assert.Equal(124, dropped.Result.ExitCode);
        Assert.Equal("", dropped.Result.StdOut);
    }

    private sealed record NmapPort(string Address, ushort Port, string State, string Reason, string? ReasonIp)
    {
        public override string ToString() => $"{Address} {Port}: {State} ({Reason}{(ReasonIp is null ? "" : $" from {ReasonIp}")})";
    }

    /// <summary>nmap -6 -n -Pn SCAN -p PORTS --reason, from the scanner namespace; its normal output to the test log, its XML parsed.</summary>
    private List<NmapPort> Nmap(string scan, string ports, params string[] targets)
    {
        string xml = Path.Combine(Path.GetTempPath(), $"rawscan-nmap6-{Guid.NewGuid():N}.xml");
        try
        {
            string[] argv = ["nmap", "-6", "-n", "-Pn", scan, "-p", ports, "--reason", "-oX", xml, .. targets];
            output.WriteLine(string.Join(' ', argv));
            var r = Exec.TryRun(null, ["ip", "netns", "exec", Info.ScannerNamespace, .. argv]);
            foreach (var line in r.StdOut.Split('\n').Where(l => l.StartsWith("Nmap scan report", StringComparison.Ordinal) || l.Contains('/')))
                output.WriteLine(line);
            Assert.True(r.ExitCode == 0, $"nmap exited {r.ExitCode}: {r.StdErr}");
            return [.. XDocument.Load(xml).Descendants("host").SelectMany(h =>
            {
                string address = (string)h.Elements("address").Single(a => (string?)a.Attribute("addrtype") == "ipv6").Attribute("addr")!;
                return h.Descendants("port").Select(p =>
                {
                    var state = p.Element("state")!;
                    return new NmapPort(address, ushort.Parse((string)p.Attribute("portid")!, CultureInfo.InvariantCulture),
                        (string)state.Attribute("state")!, (string)state.Attribute("reason")!, (string?)state.Attribute("reason_ip"));
                });
            })];
        }
        finally
        {
            File.Delete(xml);
        }
    }
}
