using RawScan.Output;
using RawScan.Results;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// The table of a --banners scan: the SERVICE cell says what answered and, where the registry guessed
/// another service, that guess; a backdoor's port running an ordinary service says so; a server's
/// control characters never reach the terminal. The summary counts what banners identified.
/// </summary>
public sealed class FindingTableTests
{
    private static string Table(IEnumerable<(PortResult, ServiceFinding?)> results, TableOptions? options = null, ScanHeader? header = null)
    {
        var sw = new StringWriter();
        using (var t = new TableWriter(sw, new StubServiceRegistry(), options))
        {
            t.Begin(header ?? Reports.OpenOnlyHeader with { Banners = true });
            Findings.Feed(t, results);
            t.End(Reports.Summary());
        }
        return sw.ToString();
    }

    [Fact]
    public void TheServiceColumnSaysWhatAnsweredAndWhereTheRegistryGuessedOtherwise()
    {
        var lines = Table(Findings.Sample).Split('\n');
        Assert.Contains("22/tcp  open  ssh OpenSSH 9.2p1 Debian 2+deb12u10 (protocol 2.0)", lines);
        Assert.Contains(lines, l => l.StartsWith("8080/tcp  open  ssh OpenSSH 9.2p1 Debian 2+deb12u10 (protocol 2.0) (registry: http-proxy)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("12345/tcp open  ssh OpenSSH 9.2p1 Debian 2+deb12u10 (protocol 2.0) (registry: netbus, backdoor port; runs ssh)", StringComparison.Ordinal)
                                    && l.EndsWith("backdoor", StringComparison.Ordinal));
        Assert.Contains("443/tcp open  ssl/http nginx 1.22.1", lines);
        // Nothing recognised on .3's 12345: the registry's guess, as without --banners.
        Assert.Contains(lines, l => l.StartsWith("12345/tcp open  netbus", StringComparison.Ordinal));
    }

    [Fact]
    public void AServersControlCharactersNeverReachTheTerminal()
    {
        string text = Table(Findings.Sample);
        Assert.DoesNotContain('\x1b', text);
        Assert.DoesNotContain('\r', text);
        Assert.Contains("80/tcp  open  http <script>alert(1)</script> 1??2\"3", text.Split('\n'));
    }

    [Fact]
    public void OnePortHostsAndOpenLinesSayItToo()
    {
        var sweep = Reports.OpenOnlyHeader with
        {
            Ports = RawScan.Targets.ScanPorts.Parse("T:8080", RawScan.Targets.ScanTypes.Tcp), Partial = false, Banners = true,
        };
        var one = new[] { (Reports.R("198.18.0.2", Protocol.Tcp, 8080, PortState.Open, 64), (ServiceFinding?)Findings.Ssh) };
        Assert.Contains("8080/tcp open  ssh OpenSSH 9.2p1 Debian 2+deb12u10 (protocol 2.0) (registry: http-proxy) alternate-service", Table(one, header: sweep));
        Assert.Contains("open 8080/tcp on 198.18.0.2 ssh OpenSSH 9.2p1 Debian 2+deb12u10 (protocol 2.0) (registry: http-proxy)",
            Table(one, new TableOptions(OpenLines: true)));
    }

    [Fact]
    public void GrepableWritesNmapsVersionField()
    {
        string path = Path.GetTempFileName();
        try
        {
            string text = File.ReadAllText(Findings.Write(path, "grep"));
            Assert.Contains("8080/open/tcp//ssh//OpenSSH 9.2p1 Debian 2+deb12u10 (protocol 2.0)/", text);
            Assert.Contains("12345/open/tcp//netbus///", text);                             // a registry guess: no version
            Assert.Contains("80/open/tcp//http//<script>alert(1)<|script> 1??2\"3/", text);  // '/' is nmap's '|'; controls are '?'
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void TheSummaryCountsWhatBannersIdentifiedAndWhereTheRegistryWasWrong()
    {
        var s = new SummaryWriter(new StubServiceRegistry());
        Findings.Feed(s, Findings.Sample);
        Assert.Equal(5, s.Identified);                       // 22, 80, 443, 8080, .2's 12345
        Assert.Equal(2, s.Mismatched);                       // 8080 (http-proxy), 12345 (netbus)
        var w = new StringWriter();
        s.Write(w, Reports.Summary());
        Assert.Contains("rawscan: registry mismatches: 2 open TCP ports run another service than the registry's guess", w.ToString());

        var plain = new SummaryWriter(new StubServiceRegistry());
        foreach (var r in Reports.Sample) plain.OnResult(r);
        var pw = new StringWriter();
        plain.Write(pw, Reports.Summary());
        Assert.DoesNotContain("mismatches", pw.ToString());
    }
}
