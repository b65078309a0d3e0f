using System.Text;
using RawScan.Lab.Internal;
using RawScan.Output;
using RawScan.Results;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

public sealed class OutputFormatTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("rawscan-output-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string PathFor(string name) => Path.Combine(_dir.FullName, name);

    [Theory]
    [InlineData("json")]
    [InlineData("csv")]
    [InlineData("xml")]
    [InlineData("grep")]
    public void EveryFormatReadsBackTheSameResults(string format)
    {
        var path = Reports.Write(PathFor($"scan.{Reports.Ext(format)}"), format, Reports.Shuffled(Reports.Sample, 1));

        var back = ReportReader.Read(path, out var detected);

        Assert.Equal(format, detected);
        Assert.Equal(Reports.Sample.Length, back.Count);
        bool ttl = format != "grep";
        Assert.Equal(Reports.Keys(Reports.Sample, ttl), Reports.Keys(back, ttl));
    }

    [Theory]
    [InlineData("json")]
    [InlineData("csv")]
    [InlineData("xml")]
    [InlineData("grep")]
    public void AScanThatFoundNothingReadsBackEmpty(string format)
    {
        var path = Reports.Write(PathFor($"empty.{Reports.Ext(format)}"), format, []);
        Assert.Empty(ReportReader.Read(path));
    }

    [Fact]
    public void AllExtensionsMatchTheFormats()
    {
        Assert.Equal(["json", "csv", "xml", "grep"], ReportFormats.OfAll.Select(f => f.Name));
        Assert.Equal(["json", "csv", "xml", "gnmap"], ReportFormats.OfAll.Select(f => f.Extension));
        Assert.Throws<BadInputException>(() => ReportFormats.Create("yaml", new MemoryStream(), new StubServiceRegistry()));
    }

    [Fact]
    public void CreateAllWritesEveryFormatBesideTheBase()
    {
        var writers = ReportFormats.CreateAll(PathFor("all"), new StubServiceRegistry());
        foreach (var w in writers)
        {
            w.Begin(Reports.Header);
            foreach (var r in Reports.Sample) w.OnResult(r);
            w.End(Reports.Summary());
            w.Dispose();
        }
        foreach (var (format, ext) in ReportFormats.OfAll.Select(f => (f.Name, f.Extension)))
        {
            var back = ReportReader.Read(PathFor($"all.{ext}"), out var detected);
            Assert.Equal(format, detected);
            Assert.Equal(Reports.Keys(Reports.Sample, false), Reports.Keys(back, false));
        }
    }

    [Fact]
    public void ReaderRejectsWhatIsNoReport()
    {
        File.WriteAllText(PathFor("junk.txt"), "hello world\n");
        var e = Assert.Throws<FormatException>(() => ReportReader.Read(PathFor("junk.txt")));
        Assert.Contains("not a RawScan report", e.Message);

        File.WriteAllText(PathFor("bad.json"), "{\"ip\":\"198.18.0.1\",\"proto\":\"tcp\",\"port\":22,\"state\":\"open\",\"ttl\":64}\n{\"ip\":\"300.1.1.1\"}\n");
        e = Assert.Throws<FormatException>(() => ReportReader.Read(PathFor("bad.json")));
        Assert.StartsWith("line 2:", e.Message);

        File.WriteAllText(PathFor("bad.xml"), "<nmaprun><host><address addr=\"198.18.0.1\"/><ports><port protocol=\"tcp\" portid=\"1\"><state state=\"open\"");
        e = Assert.Throws<FormatException>(() => ReportReader.Read(PathFor("bad.xml")));
        Assert.Contains("not well-formed", e.Message);
    }

    // ---- JSON lines ----

    [Fact]
    public void JsonLinesCarryTheRegistrysFields()
    {
        var ms = new MemoryStream();
        using (var w = new JsonLinesWriter(ms, StubServiceRegistry.Renaming(new() { [(Protocol.Tcp, 80)] = "we\"ird\\name\n" })))
        {
            w.Begin(Reports.Header);
            w.OnResult(Reports.R("198.18.0.2", Protocol.Tcp, 12345, PortState.Open, 128));
            w.OnResult(Reports.R("198.18.0.2", Protocol.Tcp, 31337, PortState.Closed, 128));
            w.OnResult(Reports.R("198.18.0.1", Protocol.Udp, 161, PortState.OpenFiltered, 0));
            w.OnResult(Reports.R("198.18.0.1", Protocol.Tcp, 31999, PortState.Filtered, 0));
            w.OnResult(Reports.R("198.18.0.1", Protocol.Tcp, 80, PortState.Open, 64) with { TimestampMicros = 1_736_164_800_123_456, RttMicros = 52 });
            w.OnResult(Reports.R("198.18.0.1", Protocol.Udp, 53, PortState.Open, 64) with { Reason = PortReason.ProtoResponse, TimestampMicros = 1_736_164_801_000_007 });
            w.End(Reports.Summary());
        }
        Assert.Equal(
            """
            {"ip":"198.18.0.2","proto":"tcp","port":12345,"state":"open","reason":"syn-ack","ttl":128,"rtt_us":null,"timestamp":null,"service":"netbus","class":"registered","flags":["backdoor"]}
            {"ip":"198.18.0.2","proto":"tcp","port":31337,"state":"closed","reason":"reset","ttl":128,"rtt_us":null,"timestamp":null,"service":null,"class":"registered","flags":["backdoor","alternate-service"]}
            {"ip":"198.18.0.1","proto":"udp","port":161,"state":"open|filtered","reason":"no-response","ttl":null,"rtt_us":null,"timestamp":null,"service":"snmp","class":"well-known","flags":[]}
            {"ip":"198.18.0.1","proto":"tcp","port":31999,"state":"filtered","reason":"no-response","ttl":null,"rtt_us":null,"timestamp":null,"service":null,"class":"registered","flags":[]}
            {"ip":"198.18.0.1","proto":"tcp","port":80,"state":"open","reason":"syn-ack","ttl":64,"rtt_us":52,"timestamp":"2025-01-06T12:00:00.123456Z","service":"we\"ird\\name\u000a","class":"well-known","flags":[]}
            {"ip":"198.18.0.1","proto":"udp","port":53,"state":"open","reason":"proto-response","ttl":64,"rtt_us":null,"timestamp":"2025-01-06T12:00:01.000007Z","service":"domain","class":"well-known","flags":[]}

            """, Encoding.UTF8.GetString(ms.ToArray()));

        // Read back: reason, RTT and time survive.
        var back = JsonLinesWriter.Read(new StringReader(Encoding.UTF8.GetString(ms.ToArray()))).ToList();
        Assert.Equal(PortReason.ProtoResponse, back[^1].Reason);
        Assert.Equal(1_736_164_800_123_456, back[^2].TimestampMicros);
        Assert.Equal(52u, back[^2].RttMicros);
        Assert.False(back[2].Answered);
    }

    /// <summary>Only --show's states are written; the default is open only.</summary>
    [Theory]
    [InlineData("json")]
    [InlineData("csv")]
    public void StreamedFormatsWriteOnlyTheShownStates(string format)
    {
        var path = Reports.Write(PathFor($"open.{Reports.Ext(format)}"), format, Reports.Sample, header: Reports.OpenOnlyHeader);
        Assert.Equal(Reports.Keys(Reports.Sample.Where(r => r.State == PortState.Open)), Reports.Keys(ReportReader.Read(path)));
        path = Reports.Write(PathFor($"closed.{Reports.Ext(format)}"), format, Reports.Sample,
            header: Reports.OpenOnlyHeader with { Show = new ShownStates(true, false) });
        Assert.Equal(Reports.Keys(Reports.Sample.Where(r => r.State is PortState.Open or PortState.Closed)), Reports.Keys(ReportReader.Read(path)));
    }

    /// <summary>
    /// A slow scan's lines reach the file within half a second of the receive loop's ticks, not in
    /// 32 KB bursts at the end: flushed on the writing thread, with the time the tick brings.
    /// </summary>
    [Theory]
    [InlineData("json")]
    [InlineData("csv")]
    public void StreamedLinesReachTheFileAtTheFirstTickHalfASecondOn(string format)
    {
        var path = PathFor($"slow.{Reports.Ext(format)}");
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
        using IReportWriter w = format == "json" ? new JsonLinesWriter(stream, new StubServiceRegistry()) : new CsvReportWriter(stream, new StubServiceRegistry());
        w.Begin(Reports.Header);
        int Lines()
        {
            using var r = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            return r.ReadToEnd().Count(c => c == '\n');
        }
        int header = format == "csv" ? 1 : 0;
        long t = 1_700_000_000_000_000;
        w.Tick(t);
        for (int i = 0; i < 3; i++)
        {
            w.OnResult(Reports.R("198.18.0.1", Protocol.Tcp, (ushort)(80 + i), PortState.Open, 64));
            w.Tick(t += 10_000);
            Assert.True(Lines() <= header + i, "flushed before its time: every result would cost a write");
            w.Tick(t += 300_000);
            Assert.True(Lines() <= header + i);
            w.Tick(t += 200_000);                                   // 510 ms after the last flush
            Assert.Equal(header + i + 1, Lines());
        }
        w.Tick(t += 10_000_000);                                    // nothing new: nothing to do
        Assert.Equal(header + 3, Lines());
    }

    [Fact]
    public void JsonLinesOfBeforeTheRegistryStillRead()
    {
        const string old = """
            {"ip":"198.18.0.1","proto":"tcp","port":80,"state":"open","ttl":64}

            {"ip":"198.18.0.1","proto":"udp","port":53,"state":"open|filtered","ttl":0}
            """;
        var back = JsonLinesWriter.Read(new StringReader(old)).ToList();
        Assert.Equal([Reports.R("198.18.0.1", Protocol.Tcp, 80, PortState.Open, 64) with { Reason = PortReason.Unknown },
            Reports.R("198.18.0.1", Protocol.Udp, 53, PortState.OpenFiltered, 0) with { Reason = PortReason.Unknown }], back);
        Assert.Equal(PortReason.SynAck, back[0].ReasonOrDefault);

        // Without a registry, lines stop after the timestamp.
        var sw = new StringWriter();
        new JsonLinesWriter(sw).OnResult(Reports.R("198.18.0.1", Protocol.Tcp, 80, PortState.Open, 64));
        Assert.Equal("{\"ip\":\"198.18.0.1\",\"proto\":\"tcp\",\"port\":80,\"state\":\"open\",\"reason\":\"syn-ack\",\"ttl\":64,\"rtt_us\":null,\"timestamp\":null}\n", sw.ToString());
    }

    // ---- CSV ----

    [Fact]
    public void CsvWritesAHeaderThenOneQuotedRowPerResult()
    {
        var registry = StubServiceRegistry.Renaming(new()
        {
            [(Protocol.Tcp, 80)] = "odd, \"quoted\"\nname",
            [(Protocol.Tcp, 81)] = "plain name",
        });
        var path = Reports.Write(PathFor("odd.csv"), "csv",
        [
            Reports.R("198.18.0.1", Protocol.Tcp, 80, PortState.Open, 64),
            Reports.R("198.18.0.1", Protocol.Tcp, 81, PortState.Closed, 64),
            Reports.R("198.18.0.2", Protocol.Tcp, 31337, PortState.Open, 128),
            Reports.R("198.18.0.2", Protocol.Udp, 161, PortState.OpenFiltered, 0),
        ], registry);

        Assert.Equal(
            "ip,proto,port,state,service,class,flags,ttl,reason\r\n" +
            "198.18.0.1,tcp,80,open,\"odd, \"\"quoted\"\"\nname\",well-known,,64,syn-ack\r\n" +
            "198.18.0.1,tcp,81,closed,plain name,well-known,,64,reset\r\n" +
            "198.18.0.2,tcp,31337,open,,registered,backdoor;alternate-service,128,syn-ack\r\n" +
            "198.18.0.2,udp,161,open|filtered,snmp,well-known,,,no-response\r\n",
            File.ReadAllText(PathFor("odd.csv")));

        var back = ReportReader.Read(path, out var format);
        Assert.Equal("csv", format);
        Assert.Equal(4, back.Count);
        Assert.Equal(Reports.R("198.18.0.1", Protocol.Tcp, 81, PortState.Closed, 64), back[1]);
    }

    // ---- grepable ----

    [Fact]
    public void GrepableWritesOneLinePerHostBetweenHeaderAndFooter()
    {
        var path = Reports.Write(PathFor("scan.gnmap"), "grep", Reports.Shuffled(Reports.Sample, 2),
            StubServiceRegistry.Renaming(new() { [(Protocol.Tcp, 80)] = "http/alt,x" }));
        var lines = File.ReadAllLines(path);

        Assert.Equal(
            "# Nmap-style grepable output by RawScan 0.9.0 scan initiated Mon Jan  6 12:00:00 2025 as: " + Reports.Header.CommandLine,
            lines[0]);
        Assert.Equal(
        [
            "Host: 198.18.0.1 ()\tStatus: Up",
            "Host: 198.18.0.1 ()\tPorts: 22/open/tcp//ssh///, 25/filtered/tcp//smtp///, 80/open/tcp//http|alt;x///, 443/closed/tcp//https///, 31999/filtered/tcp/////, 53/open/udp//domain///, 123/closed/udp//ntp///, 161/open|filtered/udp//snmp///",
            "Host: 198.18.0.2 ()\tStatus: Up",
            "Host: 198.18.0.2 ()\tPorts: 8080/open/tcp//http-proxy///, 12345/open/tcp//netbus///, 31337/closed/tcp/////",
            "Host: 198.18.0.10 ()\tStatus: Up",
            "Host: 198.18.0.10 ()\tPorts: 22/filtered/tcp//ssh///, 500/open|filtered/udp//isakmp///",
        ], lines[1..^1]);
        Assert.Equal("# RawScan done at Mon Jan  6 12:00:04 2025 -- 256 IP addresses (3 hosts up) scanned in 4.25 seconds", lines[^1]);
    }

    /// <summary>
    /// The default open-only file: nmap's "Status: Up" and "Ignored State:", so the usual recipes
    /// work (grep open, awk '/Status: Up/'); a host that answered only with RSTs is up, one that
    /// never answered is not written.
    /// </summary>
    [Fact]
    public void GrepableInTheDefaultModeSaysWhatItLeftOutAndWhichHostsAreUp()
    {
        var rs = new List<PortResult>();
        for (ushort p = 1; p <= 100; p++)
        {
            rs.Add(Reports.R("198.18.0.1", Protocol.Tcp, p, p is 22 or 80 ? PortState.Open : PortState.Closed, 64));
            rs.Add(Reports.R("198.18.0.2", Protocol.Tcp, p, PortState.Closed, 64));                  // RSTs only: up
            rs.Add(Reports.R("198.18.0.3", Protocol.Tcp, p, PortState.Filtered, 0));                 // silent: down
        }
        var header = Reports.OpenOnlyHeader with { Ports = ScanPorts.Parse("1-100", ScanTypes.Tcp), Partial = false };
        var path = Reports.Write(PathFor("default.gnmap"), "grep", Reports.Shuffled(rs, 4), header: header);
        var lines = File.ReadAllLines(path);
        Assert.Equal(
        [
            "Host: 198.18.0.1 ()\tStatus: Up",
            "Host: 198.18.0.1 ()\tPorts: 22/open/tcp//ssh///, 80/open/tcp//http///\tIgnored State: closed (98)",
            "Host: 198.18.0.2 ()\tStatus: Up",
            "Host: 198.18.0.2 ()\tIgnored State: closed (100)",
        ], lines[1..^1]);
        Assert.EndsWith("(2 hosts up) scanned in 4.25 seconds", lines[^1]);
        var grep = Exec.TryRun(null, ["sh", "-c", $"grep open '{path}' | wc -l; awk '/Status: Up/{{print $2}}' '{path}'"]);
        Assert.Equal("1\n198.18.0.1\n198.18.0.2\n", grep.StdOut);
        Assert.Equal(Reports.Keys(rs.Where(r => r.State == PortState.Open), ttl: false), Reports.Keys(ReportReader.Read(path), ttl: false));
    }

    [Fact]
    public void GrepableSaysWhenTheScanWasCutShort()
    {
        var path = Reports.Write(PathFor("cut.gnmap"), "grep", Reports.Sample, summary: Reports.Summary(ScanEnd.Interrupted));
        Assert.EndsWith("seconds (interrupted)", File.ReadAllLines(path)[^1]);
    }

    // ---- nmap XML ----

    [Theory]
    [InlineData(ScanEnd.Completed, true)]
    [InlineData(ScanEnd.Failed, true)]
    [InlineData(ScanEnd.Interrupted, false)]
    public void XmlIsValidAgainstNmapsDtd(ScanEnd end, bool begin)
    {
        // Odd names and a command line with "--" (not allowed in an XML comment) and markup.
        var registry = StubServiceRegistry.Renaming(new() { [(Protocol.Tcp, 80)] = "<odd> & \"name\"\u0001" });
        var path = Reports.Write(PathFor("scan.xml"), "xml", Reports.Shuffled(Reports.Sample, 3), registry,
            Reports.Summary(end, end == ScanEnd.Failed ? "receive loop: <boom> & --fail" : null), begin);
        Reports.AssertValidNmapXml(path);
        if (begin) Assert.Equal(Reports.Keys(Reports.Sample), Reports.Keys(ReportReader.Read(path)));
    }

    [Fact]
    public void XmlOfAScanThatFoundNothingIsValid() =>
        Reports.AssertValidNmapXml(Reports.Write(PathFor("empty.xml"), "xml", []));

    [Fact]
    public void XmlGroupsEachHostsPortsUnderOneHost()
    {
        var path = Reports.Write(PathFor("scan.xml"), "xml", Reports.Shuffled(Reports.Sample.Append(Reports.Sample[0]), 4));
        var text = File.ReadAllText(path);

        Assert.Equal(3, Reports.Occurrences(text, "<host>"));
        Assert.Equal(Reports.Sample.Length, Reports.Occurrences(text, "<port "));
        Assert.Contains("<nmaprun scanner=\"nmap\" args=\"" + Reports.Header.CommandLine + "\" start=\"1736164800\" startstr=\"Mon Jan  6 12:00:00 2025\" version=\"RawScan 0.9.0\" xmloutputversion=\"1.05\">", text);
        const string head = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!DOCTYPE nmaprun >\n<?xml-stylesheet href=\"file:///usr/share/nmap/nmap.xsl\" type=\"text/xsl\"?>\n<!-- RawScan 0.9.0 scan initiated";
        Assert.True(text.StartsWith(head, StringComparison.Ordinal), text[..200]);
        Assert.Contains("<scaninfo type=\"syn\" protocol=\"tcp\" numservices=\"9\" services=\"22,25,80,443,8080,8443,12345,31337,31999\" />", text);
        Assert.Contains("<scaninfo type=\"udp\" protocol=\"udp\" numservices=\"4\" services=\"53,123,161,500\" />", text);
        Assert.Contains("<status state=\"up\" reason=\"syn-ack\" reason_ttl=\"64\" />", text);
        Assert.Contains("<status state=\"up\" reason=\"admin-prohibited\" reason_ttl=\"63\" />", text);    // .10: an ICMP error only
        Assert.Contains("<port protocol=\"tcp\" portid=\"22\">\n<state state=\"open\" reason=\"syn-ack\" reason_ttl=\"64\" />\n<service name=\"ssh\" method=\"table\" conf=\"3\" />\n</port>", text);
        Assert.Contains("<port protocol=\"udp\" portid=\"161\">\n<state state=\"open|filtered\" reason=\"no-response\" reason_ttl=\"0\" />", text);
        Assert.Contains("<hosts up=\"3\" down=\"253\" total=\"256\" />", text);
        Assert.Contains("summary=\"RawScan done at Mon Jan  6 12:00:04 2025; 256 IP addresses (3 hosts up) scanned in 4.25 seconds\" exit=\"success\"", text);
        Assert.True(text.IndexOf("198.18.0.2\"", StringComparison.Ordinal) < text.IndexOf("198.18.0.10\"", StringComparison.Ordinal), "hosts in address order");
    }

    [Fact]
    public void NdiffReportsExactlyAPlantedOpenPort()
    {
        var planted = Reports.R("198.18.0.1", Protocol.Tcp, 8443, PortState.Open, 64);
        var before = Reports.Write(PathFor("old.xml"), "xml", Reports.Shuffled(Reports.Sample, 5));
        var after = Reports.Write(PathFor("new.xml"), "xml", Reports.Shuffled(Reports.Sample.Append(planted), 6));
        Reports.AssertValidNmapXml(after);

        var r = Exec.TryRun(null, ["ndiff", before, after]);

        Assert.True(r.ExitCode == 1, $"ndiff exit {r.ExitCode} (1 = different): {r.StdErr}");
        Assert.Equal(
        [
            "",
            " 198.18.0.1:",
            " PORT     STATE SERVICE   VERSION",
            "+8443/tcp open  https-alt",
        ], r.StdOut.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void NdiffSeesNoDifferenceBetweenOneScansResultsInAnotherOrder()
    {
        // Written one <host> per result (as masscan does), this would differ: ndiff pairs repeated
        // hosts by position.
        var a = Reports.Write(PathFor("a.xml"), "xml", Reports.Shuffled(Reports.Sample, 7));
        var b = Reports.Write(PathFor("b.xml"), "xml", Reports.Shuffled(Reports.Sample, 8));

        var r = Exec.TryRun(null, ["ndiff", a, b]);

        Assert.True(r.ExitCode == 0, $"ndiff exit {r.ExitCode}: {r.StdOut}{r.StdErr}");
        Assert.Equal("", r.StdOut);
    }

    [Fact]
    public void NdiffReportsAHostThatAppeared()
    {
        var added = Reports.R("198.18.0.20", Protocol.Tcp, 22, PortState.Open, 64);
        var before = Reports.Write(PathFor("old.xml"), "xml", Reports.Sample);
        var after = Reports.Write(PathFor("new.xml"), "xml", Reports.Sample.Append(added));

        var r = Exec.TryRun(null, ["ndiff", before, after]);

        Assert.Equal(1, r.ExitCode);
        Assert.Equal(
        [
            "",
            "+198.18.0.20:",
            "+Host is up.",
            "+PORT   STATE SERVICE VERSION",
            "+22/tcp open  ssh",
        ], r.StdOut.TrimEnd('\n').Split('\n'));
    }
}
