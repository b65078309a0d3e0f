using RawScan.Lab.Internal;
using RawScan.Output;
using RawScan.Results;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// The default (open-only) nmap XML and grepable files read by tools we did not write: xmllint
/// against nmap.dtd, ndiff, nmap.xsl (xsltproc) and python-libnmap (Debian's python3-libnmap).
/// </summary>
public sealed class NmapConsumerTests : IDisposable
{
    private const long T0 = 1_736_164_800_000_000;
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("rawscan-consumers-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string PathFor(string name) => Path.Combine(_dir.FullName, name);

    private static PortResult Res(string ip, ushort port, PortState s, PortReason reason, byte ttl = 64) =>
        new(Reports.Ip(ip), Protocol.Tcp, port, s, reason.HostAnswered() ? ttl : (byte)0, reason.HostAnswered() ? T0 + port * 1000 : 0, reason,
            reason.HostAnswered() ? 40u + (uint)(port % 20) : 0u);

    /// <summary>
    /// Four targets over TCP 1-100: .1 has 22 and 80 open, 25 silent, the rest closed; .2 answered only
    /// with RSTs (up); .3 never answered (down); .4 had no result at all (down).
    /// </summary>
    private static List<PortResult> Scan(PortState port80 = PortState.Open)
    {
        var rs = new List<PortResult>();
        for (ushort p = 1; p <= 100; p++)
        {
            var s1 = p == 22 ? PortState.Open : p == 80 ? port80 : p == 25 ? PortState.Filtered : PortState.Closed;
            rs.Add(Res("198.18.0.1", p, s1, s1 switch
            {
                PortState.Open => PortReason.SynAck, PortState.Closed => PortReason.Reset, _ => PortReason.NoResponse,
            }));
            rs.Add(Res("198.18.0.2", p, PortState.Closed, PortReason.Reset, 63));
            rs.Add(Res("198.18.0.3", p, PortState.Filtered, PortReason.NoResponse));
        }
        return rs;
    }

    private static ScanHeader Header(ShownStates? show = null) =>
        new("rawscan scan 198.18.0.1-198.18.0.4 -p 1-100", Reports.Start, ScanPorts.Parse("1-100", ScanTypes.Tcp), 4, "1.0.0", show);

    private string Xml(string name, IEnumerable<PortResult> rs, ShownStates? show = null) =>
        Reports.Write(PathFor(name), "xml", Reports.Shuffled(rs, 5), header: Header(show));

    [Fact]
    public void TheDefaultFileSaysWhatEveryPortWasAndIsValid()
    {
        var path = Xml("scan.xml", Scan());
        Reports.AssertValidNmapXml(path);
        var text = File.ReadAllText(path);

        Assert.Contains("<extraports state=\"closed\" count=\"97\">\n<extrareasons reason=\"reset\" count=\"97\" proto=\"tcp\" ports=\"1-21,23-24,26-79,81-100\" />\n</extraports>", text);
        Assert.Contains("<extraports state=\"closed\" count=\"100\">\n<extrareasons reason=\"reset\" count=\"100\" proto=\"tcp\" ports=\"1-100\" />", text);
        // 25 is listed: filtered is not .1's most common state and has fewer than 26 ports.
        Assert.Contains("<port protocol=\"tcp\" portid=\"25\">\n<state state=\"filtered\" reason=\"no-response\" reason_ttl=\"0\" />", text);
        Assert.Contains("<host starttime=\"1736164800\" endtime=\"1736164800\">\n<status state=\"up\" reason=\"syn-ack\" reason_ttl=\"64\" />", text);
        Assert.Contains("<status state=\"up\" reason=\"reset\" reason_ttl=\"63\" />", text);
        Assert.Matches("<times srtt=\"\\d+\" rttvar=\"\\d+\" to=\"100000\" />", text);
        Assert.DoesNotContain("198.18.0.3", text);
        Assert.Contains("<hosts up=\"2\" down=\"2\" total=\"4\" />", text);

        // What --show lists changes the ports written, never which hosts are up.
        var all = File.ReadAllText(Xml("all.xml", Scan(), new ShownStates(true, true)));
        Assert.Contains("<hosts up=\"2\" down=\"2\" total=\"4\" />", all);
        Assert.DoesNotContain("<extraports", all);
        Assert.Equal(200, Reports.Occurrences(all, "<port "));
    }

    [Fact]
    public void NdiffNamesWhatAPortBecameInTheDefaultMode()
    {
        var before = Xml("old.xml", Scan());
        var closed = Xml("closed.xml", Scan(PortState.Closed));
        var filtered = Xml("filtered.xml", Scan(PortState.Filtered));

        var r = Exec.TryRun(null, ["ndiff", before, closed]);
        Assert.True(r.ExitCode == 1, $"ndiff exit {r.ExitCode}: {r.StdErr}");
        Assert.Equal(
        [
            "",
            " 198.18.0.1:",
            "-Not shown: 97 closed ports",
            "+Not shown: 98 closed ports",
            " PORT   STATE SERVICE VERSION",
            "-80/tcp open  http",
        ], r.StdOut.TrimEnd('\n').Split('\n'));

        // Its banner (printed with -v) names RawScan.
        r = Exec.TryRun(null, ["ndiff", "-v", before, closed]);
        Assert.StartsWith(" Nmap RawScan 1.0.0 scan initiated Mon Jan 06 12:00:00 2025 as: rawscan scan", r.StdOut);

        r = Exec.TryRun(null, ["ndiff", before, filtered]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("-80/tcp open     http", r.StdOut);
        Assert.Contains("+80/tcp filtered http", r.StdOut);
        Assert.Equal("", r.StdErr);
    }

    [Fact]
    public void NmapsStylesheetPrintsRawScanQuickly()
    {
        // A /24 x 1-1000 default scan: what nmap would fold, folded (the old files took xsltproc hours).
        var path = PathFor("big.xml");
        using (var w = ReportFormats.Create("xml", File.Create(path), new StubServiceRegistry()))
        {
            w.Begin(new ScanHeader("rawscan scan 198.18.0.0/24 -p 1-1000", Reports.Start, ScanPorts.Parse("1-1000", ScanTypes.Tcp), 256, "1.0.0"));
            for (uint h = 0; h < 256; h++)
                for (ushort p = 1; p <= 1000; p++)
                    w.OnResult(new PortResult(0xC6120000 + h, Protocol.Tcp, p, p == 80 ? PortState.Open : PortState.Closed, 64, T0,
                        p == 80 ? PortReason.SynAck : PortReason.Reset, 50));
            w.End(Reports.Summary());
        }
        Assert.True(new FileInfo(path).Length < 400_000, $"{new FileInfo(path).Length} bytes");
        Reports.AssertValidNmapXml(path);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var r = Exec.TryRun(null, ["xsltproc", "-o", PathFor("big.html"), "/usr/share/nmap/nmap.xsl", path]);
        Assert.True(r.ExitCode == 0, $"xsltproc: {r.StdErr}");
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"xsltproc took {sw.Elapsed.TotalSeconds:F1} s");
        var html = File.ReadAllText(PathFor("big.html"));
        Assert.Contains("Nmap RawScan 1.0.0 was initiated", html.ReplaceLineEndings(" ").Replace("  ", " "));
        Assert.DoesNotContain("Nmap 1.0.0", html);
    }

    [Fact]
    public void PythonLibnmapCountsTheHostsUpAndSeesAnRstOnlyHostUp()
    {
        var path = Xml("scan.xml", Scan());
        const string script = """
            import sys
            from libnmap.parser import NmapParser
            r = NmapParser.parse_fromfile(sys.argv[1])
            print(r.hosts_up, r.hosts_down, r.hosts_total)
            for h in r.hosts:
                print(h.address, h.is_up(), ",".join("%d/%s/%s" % (s.port, s.protocol, s.state) for s in h.services))
            """;
        var r = Exec.TryRun(null, ["/usr/bin/python3", "-c", script, path]);
        Assert.True(r.ExitCode == 0, $"python3-libnmap: {r.StdErr}");
        Assert.Equal(
        [
            "2 2 4",
            "198.18.0.1 True 22/tcp/open,25/tcp/filtered,80/tcp/open",
            "198.18.0.2 True ",
        ], r.StdOut.TrimEnd('\n').Split('\n'));
    }
}
