using System.Xml.Linq;
using RawScan.Cli;
using RawScan.Output;
using RawScan.Results;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// rawscan merge (issue 16, part 4): shards' reports in mixed formats merge into the union, each port
/// once with the best knowledge of it, the run statistics add up, the XML is nmap's; bad input is one
/// line and exit 2 before any output file is touched.
/// </summary>
public sealed class MergeTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("rawscan-merge-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string PathFor(string name) => Path.Combine(_dir.FullName, name);

    private static (int Exit, string Out, string[] Err) Merge(params string[] args)
    {
        var stdout = new MemoryStream();
        var stderr = new StringWriter();
        int exit = MergeCommand.Run(args, () => stdout, stderr, new StubServiceRegistry());
        return (exit, System.Text.Encoding.UTF8.GetString(stdout.ToArray()), stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>
    /// A shard's format each. A grouped report (XML, grepable) writes only hosts that answered something in
    /// that shard, as a scan's does: the sample's fourth shard holds only silence from .1, so it is CSV
    /// (in XML or grepable .1's two silent ports would not be in the shard to merge).
    /// </summary>
    private static readonly string[] Formats = ["json", "xml", "grep", "csv"];

    /// <summary>The sample dealt into four shards as --shard I/4 deals probes (round robin), each written in another format.</summary>
    private string[] Shards(IReadOnlyList<PortResult> results)
    {
        var paths = new string[4];
        for (int i = 0; i < 4; i++)
            paths[i] = Reports.Write(PathFor($"shard{i + 1}.{Reports.Ext(Formats[i])}"), Formats[i], results.Where((_, k) => k % 4 == i));
        return paths;
    }

    [Fact]
    public void FourShardsInFourFormatsMergeToTheUnionExactly()
    {
        var shards = Shards(Reports.Sample);
        string json = PathFor("merged.json"), xml = PathFor("merged.xml");
        var (exit, _, err) = Merge([.. shards, "-oJ", json, "-oX", xml]);
        Assert.True(exit == 0, string.Join('\n', err));
        Assert.Single(err);                                                     // the one line saying what was merged

        // Grepable keeps no TTL, so the comparison leaves it out; each port exactly once.
        foreach (var path in new[] { json, xml })
        {
            var merged = ReportReader.Read(path);
            Assert.Equal(Reports.Sample.Length, merged.Count);
            Assert.Equal(Reports.Keys(Reports.Sample, ttl: false), Reports.Keys(merged, ttl: false));
        }
        Reports.AssertValidNmapXml(xml);
    }

    [Fact]
    public void ShuffledShardsMergeToTheUnionOfWhatTheyHold()
    {
        var shards = Shards(Reports.Shuffled(Reports.Sample, 16));
        var union = Reports.Keys(shards.SelectMany(s => ReportReader.Read(s)), ttl: false);
        string json = PathFor("merged.json");
        Assert.Equal(0, Merge([.. shards, "-oJ", json]).Exit);
        var merged = ReportReader.Read(json);
        Assert.Equal(union.Count, merged.Count);
        Assert.Equal(union, Reports.Keys(merged, ttl: false));
    }

    [Fact]
    public void TheSameShardTwiceIsTheShardOnce()
    {
        string a = Reports.Write(PathFor("a.json"), "json", Reports.Sample);
        string b = Reports.Write(PathFor("b.xml"), "xml", Reports.Sample);
        string json = PathFor("merged.json");
        Assert.Equal(0, Merge(a, b, a, "-oJ", json).Exit);
        var merged = ReportReader.Read(json);
        Assert.Equal(Reports.Sample.Length, merged.Count);
        Assert.Equal(Reports.Keys(Reports.Sample), Reports.Keys(merged));
    }

    private static ReportEntry E(string ip, ushort port, PortState s, byte ttl = 64, ServiceFinding? f = null, long ts = 0, Protocol p = Protocol.Tcp) =>
        new(Reports.R(ip, p, port, s, ttl) with { TimestampMicros = ts }, f);

    [Fact]
    public void TheBestKnowledgeOfAPortWins()
    {
        var probedOld = Findings.Ssh with { Version = null, Info = null };
        var merged = MergeCommand.Merge(
        [
            E("198.18.0.1", 80, PortState.Filtered, ttl: 0), E("198.18.0.1", 80, PortState.Open), E("198.18.0.1", 80, PortState.Closed),   // open wins
            E("198.18.0.1", 443, PortState.Filtered, ttl: 0), E("198.18.0.1", 443, PortState.Closed),                                      // an answer beats silence
            E("198.18.0.1", 25, PortState.Filtered, ttl: 0), E("198.18.0.1", 25, PortState.Filtered, ttl: 63),                             // an ICMP error beats silence
            E("198.18.0.1", 161, PortState.OpenFiltered, ttl: 0, p: Protocol.Udp), E("198.18.0.1", 161, PortState.Closed, p: Protocol.Udp),
            E("198.18.0.2", 22, PortState.Open), E("198.18.0.2", 22, PortState.Open, f: Findings.Unknown),                                 // a finding
            E("198.18.0.2", 23, PortState.Open, f: Findings.Unknown), E("198.18.0.2", 23, PortState.Open, f: probedOld),                   // probed over table
            E("198.18.0.2", 24, PortState.Open, f: Findings.Ssh), E("198.18.0.2", 24, PortState.Open, f: probedOld),                       // more detail
            E("198.18.0.2", 26, PortState.Open, ts: 5), E("198.18.0.2", 26, PortState.Open, ts: 9), E("198.18.0.2", 26, PortState.Open, ts: 7),   // the latest
        ]);
        var by = merged.ToDictionary(e => (Targets.Ip.Format(e.Result.Address), e.Result.Port));
        Assert.Equal(8, merged.Count);
        Assert.Equal(PortState.Open, by[("198.18.0.1", 80)].Result.State);
        Assert.Equal(PortState.Closed, by[("198.18.0.1", 443)].Result.State);
        Assert.Equal(63, by[("198.18.0.1", 25)].Result.Ttl);
        Assert.Equal(PortState.Closed, by[("198.18.0.1", 161)].Result.State);
        Assert.Same(Findings.Unknown, by[("198.18.0.2", 22)].Service);
        Assert.Same(probedOld, by[("198.18.0.2", 23)].Service);
        Assert.Same(Findings.Ssh, by[("198.18.0.2", 24)].Service);
        Assert.Equal(9, by[("198.18.0.2", 26)].Result.TimestampMicros);
        // Address order, TCP before UDP, ports ascending.
        Assert.Equal(merged.OrderBy(e => e.Result.Address).ThenBy(e => e.Result.Protocol).ThenBy(e => e.Result.Port), merged);
    }

    [Fact]
    public void ABetterStateOrAFindingInAnotherFileWins()
    {
        // Shard one lost 443's SYN-ACK (filtered) and grabbed no banners; shard two saw 443 open with its finding, and 22 without one.
        string a = Findings.Write(PathFor("a.json"), "json");
        var worse = Findings.Sample.Select(x => x.Result.Port == 443 ? (x.Result with { State = PortState.Filtered, Ttl = 0, Reason = PortReason.NoResponse }, null) : (x.Result, (ServiceFinding?)null));
        string b = Findings.Write(PathFor("b.csv"), "csv", worse);
        string json = PathFor("merged.json"), xml = PathFor("merged.xml");
        Assert.Equal(0, Merge(b, a, "-oJ", json, "-oX", xml).Exit);
        foreach (var path in new[] { json, xml })
        {
            var merged = ReportReader.ReadEntries(path, out _, out _);
            Assert.Equal(Findings.Sample.Length, merged.Count);
            var https = merged.Single(e => e.Result.Port == 443);
            Assert.Equal(PortState.Open, https.Result.State);
            Assert.Equal("nginx", https.Service?.Product);
            Assert.All(merged.Where(e => e.Result.Port is 22 or 12345 && Targets.Ip.Format(e.Result.Address) == "198.18.0.1"), e => Assert.Equal("OpenSSH", e.Service?.Product));
        }
        Reports.AssertValidNmapXml(xml);
    }

    [Fact]
    public void TheRunStatisticsAddUp()
    {
        // Two shards that overlap on 80 (closed in one, open in the other) and on a silent host.
        string a = Reports.Write(PathFor("a.json"), "json",
            [Reports.R("198.18.0.1", Protocol.Tcp, 80, PortState.Closed, 64), Reports.R("198.18.0.1", Protocol.Tcp, 22, PortState.Open, 64),
             Reports.R("198.18.0.9", Protocol.Tcp, 80, PortState.Filtered, 0)]);
        string b = Reports.Write(PathFor("b.gnmap"), "grep",
            [Reports.R("198.18.0.1", Protocol.Tcp, 80, PortState.Open, 64), Reports.R("198.18.0.2", Protocol.Tcp, 443, PortState.Closed, 64),
             Reports.R("198.18.0.2", Protocol.Udp, 53, PortState.OpenFiltered, 0)]);
        string xml = PathFor("merged.xml");
        var (exit, table, err) = Merge(a, b, "-oX", xml);
        Assert.Equal(0, exit);
        Reports.AssertValidNmapXml(xml);

        var merged = MergeCommand.Merge([.. ReportReader.ReadEntries(a, out _, out _), .. ReportReader.ReadEntries(b, out _, out _)]);
        var s = MergeCommand.Summary(merged);
        Assert.Equal((2, 1, 1, 1), (s.Open, s.Closed, s.Filtered, s.OpenFiltered));
        Assert.Equal(merged.Count, s.Open + s.Closed + s.Filtered + s.OpenFiltered);
        Assert.Equal(merged.Count, s.ProbesPlanned);
        Assert.Contains("5 ports of 3 hosts (2 open, 1 closed, 1 filtered, 1 open|filtered)", err[^1]);

        // XML: every port of a host that answered listed (.9 answered nothing: it is down, as in a scan's XML),
        // and hosts up and down add up to the distinct addresses.
        var doc = XDocument.Load(xml);
        Assert.Equal(merged.Count - 1, doc.Descendants("port").Count() + doc.Descendants("extraports").Sum(x => (int)x.Attribute("count")!));
        var hosts = doc.Descendants("runstats").Single().Element("hosts")!;
        Assert.Equal(("2", "1", "3"), ((string)hosts.Attribute("up")!, (string)hosts.Attribute("down")!, (string)hosts.Attribute("total")!));
        Assert.Equal(2, doc.Descendants("host").Count());
        Assert.StartsWith("rawscan merge ", (string)doc.Root!.Attribute("args")!);
        Assert.Contains("198.18.0.1", table);                                  // no -: the table on standard output
    }

    [Fact]
    public void ALastLineCutShortIsMergedWithoutItAndAWarning()
    {
        string a = Reports.Write(PathFor("a.json"), "json", Reports.Sample.Take(5));
        string cut = PathFor("cut.json");
        Reports.Write(cut, "json", Reports.Sample.Skip(5));
        var text = File.ReadAllText(cut);
        File.WriteAllText(cut, text[..(text.TrimEnd('\n').LastIndexOf('\n') + 20)]);   // the last line, 19 characters of it
        string json = PathFor("merged.json");
        var (exit, _, err) = Merge(a, cut, "-oJ", json);
        Assert.Equal(0, exit);
        Assert.Contains(err, l => l.Contains(cut) && l.Contains("last line was cut short"));
        Assert.Equal(Reports.Keys(Reports.Sample[..^1]), Reports.Keys(ReportReader.Read(json)));
    }

    [Fact]
    public void ABadFileIsOneLineAndExit2AndNoOutputIsTouched()
    {
        string good = Reports.Write(PathFor("good.json"), "json", Reports.Sample);
        string bad = PathFor("bad.txt");
        File.WriteAllText(bad, "hello, not a report\n");
        string json = PathFor("out.json"), xml = PathFor("out.xml"), kept = PathFor("kept.csv");
        File.WriteAllText(kept, "what was there before\n");
        foreach (var (file, word) in new[] { (bad, "not a RawScan report"), (PathFor("missing.json"), "no such file"), (_dir.FullName, "directory") })
        {
            var (exit, stdout, err) = Merge(good, file, "-oJ", json, "-oX", xml, "-oC", kept);
            Assert.Equal(2, exit);
            Assert.Equal("", stdout);
            var line = Assert.Single(err);
            Assert.Contains($"'{file}'", line);
            Assert.Contains(word, line);
            Assert.False(File.Exists(json));
            Assert.False(File.Exists(xml));
            Assert.Equal("what was there before\n", File.ReadAllText(kept));
            Assert.Empty(Directory.GetFiles(_dir.FullName, ".*.tmp"));
        }
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("-oX")]
    [InlineData("-p")]
    public void ABadOptionIsOneLineNamingIt(string option)
    {
        string good = Reports.Write(PathFor("good.json"), "json", Reports.Sample);
        var (exit, _, err) = Merge(good, option);
        Assert.Equal(2, exit);
        Assert.Contains($"'{option}'", Assert.Single(err));
    }

    [Fact]
    public void NoFileIsBadInput()
    {
        var (exit, _, err) = Merge("-oJ", PathFor("x.json"));
        Assert.Equal(2, exit);
        Assert.Contains("no files to merge", Assert.Single(err));
        Assert.False(File.Exists(PathFor("x.json")));
    }

    /// <summary>The built program: dispatch, -oA, a report on standard output, and bad input without a stack trace.</summary>
    [Fact]
    public void TheCliMerges()
    {
        var shards = Shards(Reports.Sample);
        string all = PathFor("all");
        var r = Cli.Run(["merge", .. shards, "-oA", all, "-oJ", "-"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(Reports.Sample.Length, r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        foreach (var f in Formats)
            Assert.Equal(Reports.Keys(Reports.Sample, ttl: false), Reports.Keys(ReportReader.Read($"{all}.{Reports.Ext(f)}"), ttl: false));
        Reports.AssertValidNmapXml($"{all}.xml");

        string bad = PathFor("bad.bin");
        File.WriteAllBytes(bad, [0, 1, 2, 0xff, 10]);
        var b = Cli.Run(["merge", shards[0], bad, "-oX", PathFor("never.xml")]);
        Assert.Equal(2, b.ExitCode);
        Assert.Single(b.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(bad, b.Stderr);
        Assert.DoesNotContain("   at ", b.Stderr);
        Assert.False(File.Exists(PathFor("never.xml")));

        var help = Cli.Run(["merge", "--help"]);
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("best knowledge", help.Stdout);
    }
}
