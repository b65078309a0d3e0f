using RawScan.Cli;
using RawScan.Results;
using Xunit;

namespace RawScan.Tests;

public sealed class DiffTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("rawscan-diff-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string PathFor(string name) => Path.Combine(_dir.FullName, name);

    private static (int Exit, string[] Out, string[] Err) Diff(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = DiffCommand.Run(args, stdout, stderr);
        static string[] Lines(StringWriter w) => w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return (exit, Lines(stdout), Lines(stderr));
    }

    /// <summary>
    /// The sample with one of each change planted: 443/tcp on .1 opens (was closed), 80/tcp on .1
    /// stops answering (filtered), .10 (nothing open) disappears, .20 appears with 22/tcp open;
    /// everything else as it was, in another order.
    /// </summary>
    private static IEnumerable<PortResult> Changed() =>
        Reports.Shuffled(Reports.Sample
            .Where(r => r.Address != Reports.Ip("198.18.0.10"))
            .Select(r => r.Address == Reports.Ip("198.18.0.1") && r.Protocol == Protocol.Tcp && r.Port == 443 ? r with { State = PortState.Open }
                : r.Address == Reports.Ip("198.18.0.1") && r.Protocol == Protocol.Tcp && r.Port == 80 ? r with { State = PortState.Filtered, Ttl = 0 }
                : r)
            .Append(Reports.R("198.18.0.20", Protocol.Tcp, 22, PortState.Open, 64))
            .Append(Reports.R("198.18.0.20", Protocol.Udp, 53, PortState.OpenFiltered, 0)), 9);

    [Theory]
    [InlineData("json")]
    [InlineData("csv")]
    [InlineData("xml")]
    [InlineData("grep")]
    public void ReportsWhatOpenedClosedAppearedAndDisappeared(string format)
    {
        string ext = Reports.Ext(format);
        var before = Reports.Write(PathFor($"old.{ext}"), format, Reports.Sample);
        var after = Reports.Write(PathFor($"new.{ext}"), format, Changed());

        var (exit, lines, err) = Diff(before, after);

        Assert.Equal(1, exit);
        Assert.Empty(err);
        Assert.Equal(
        [
            "-198.18.0.1 80/tcp open (now filtered)",
            "+198.18.0.1 443/tcp open (was closed)",
            "-198.18.0.10 disappeared",
            "+198.18.0.20 appeared",
            "+198.18.0.20 22/tcp open (was absent)",
        ], lines);

        // And the other way round.
        (exit, lines, _) = Diff(after, before);
        Assert.Equal(1, exit);
        Assert.Equal(
        [
            "+198.18.0.1 80/tcp open (was filtered)",
            "-198.18.0.1 443/tcp open (now closed)",
            "+198.18.0.10 appeared",
            "-198.18.0.20 disappeared",
            "-198.18.0.20 22/tcp open (now absent)",
        ], lines);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("csv")]
    [InlineData("xml")]
    [InlineData("grep")]
    public void OneScansResultsInAnotherOrderAreEqual(string format)
    {
        string ext = Reports.Ext(format);
        var a = Reports.Write(PathFor($"a.{ext}"), format, Reports.Shuffled(Reports.Sample, 10));
        var b = Reports.Write(PathFor($"b.{ext}"), format, Reports.Shuffled(Reports.Sample, 11));

        var (exit, lines, err) = Diff(a, b);

        Assert.Equal(0, exit);
        Assert.Empty(lines);
        Assert.Empty(err);
    }

    /// <summary>closed to filtered is a firewall rule added: reported with "*", both ways; a closed port one report does not list is no change.</summary>
    [Theory]
    [InlineData("json")]
    [InlineData("xml")]
    public void AChangeBetweenStatesThatAreNotOpenIsReported(string format)
    {
        string ext = Reports.Ext(format);
        var a = Reports.Write(PathFor($"a.{ext}"), format, [Reports.R("198.18.0.1", Protocol.Tcp, 25, PortState.Closed, 64)]);
        var b = Reports.Write(PathFor($"b.{ext}"), format, [Reports.R("198.18.0.1", Protocol.Tcp, 25, PortState.Filtered, 63)]);
        var (exit, lines, err) = Diff(a, b);
        Assert.Equal(1, exit);
        Assert.Empty(err);
        Assert.Equal(["*198.18.0.1 25/tcp filtered (was closed)"], lines);
        Assert.Equal(["*198.18.0.1 25/tcp closed (was filtered)"], Diff(b, a).Out);

        var openOnly = Reports.Write(PathFor($"open.{ext}"), format,
            [Reports.R("198.18.0.1", Protocol.Tcp, 25, PortState.Closed, 64), Reports.R("198.18.0.1", Protocol.Tcp, 22, PortState.Open, 64)],
            header: Reports.OpenOnlyHeader);
        Assert.Equal(["+198.18.0.1 22/tcp open (was absent)"], Diff(a, openOnly).Out);
    }

    /// <summary>Whatever a file holds, diff says in one line of its own which file it could not read: never the runtime's text.</summary>
    [Fact]
    public void AnythingItCannotReadIsOneLineNamingTheFile()
    {
        var good = Reports.Write(PathFor("good.json"), "json", Reports.Sample);
        var cases = new Dictionary<string, byte[]>
        {
            // masscan -oD (ndjson), -oJ, -oL, -oB-like binary, a truncated XML, a CSV with an odd header, not UTF-8.
            ["masscan.ndjson"] = "{\"ip\":\"198.18.0.1\",\"timestamp\":\"1736164800\",\"port\":80,\"proto\":\"tcp\",\"rec_type\":\"status\",\"data\":{\"status\":\"open\",\"reason\":\"syn-ack\",\"ttl\":64}}\n"u8.ToArray(),
            ["masscan.json"] = "[\n{   \"ip\": \"198.18.0.1\",   \"timestamp\": \"1736164800\", \"ports\": [ {\"port\": 80, \"proto\": \"tcp\", \"status\": \"open\"} ] }\n]\n"u8.ToArray(),
            ["masscan.list"] = "#masscan\nopen tcp 80 198.18.0.1 1736164800\n# end\n"u8.ToArray(),
            ["binary.bin"] = [0x00, 0x01, 0xFF, 0xFE, 0x1B, 0x5B, 0x32, 0x4A, 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0xC3, 0x28],
            ["cut.xml"] = "<?xml version=\"1.0\"?>\n<nmaprun scanner=\"nmap\"><host><status state=\"up\"/><address addr=\"198.18.0.1\" addrtype=\"ipv4\"/><ports><port protocol=\"tcp\" portid=\"80\"><state st"u8.ToArray(),
            ["json-array.json"] = "{\"ip\":[1,2]}\n"u8.ToArray(),
            ["big-number.json"] = "{\"ip\":\"198.18.0.1\",\"proto\":\"tcp\",\"port\":99999999999,\"state\":\"open\"}\n"u8.ToArray(),
            ["odd.csv"] = "ip,port\r\n198.18.0.1,80\r\n"u8.ToArray(),
        };
        foreach (var (name, bytes) in cases) File.WriteAllBytes(PathFor(name), bytes);
        Directory.CreateDirectory(PathFor("a-directory"));
        foreach (var name in cases.Keys.Append("a-directory"))
        {
            var (exit, lines, err) = Diff(good, PathFor(name));
            Assert.True(exit == 2, $"{name}: exit {exit}");
            Assert.Empty(lines);
            var line = Assert.Single(err);
            Assert.StartsWith($"rawscan: bad file '{PathFor(name)}': ", line);
            Assert.DoesNotContain("dictionary", line);
            Assert.DoesNotContain("Exception", line);
            Assert.DoesNotContain("LineNumber", line);
            Assert.All(line, c => Assert.False(char.IsControl(c), $"{name}: a control character in '{line}'"));
        }
    }

    [Fact]
    public void AnEmptyReportAgainstOneWithResults()
    {
        var empty = Reports.Write(PathFor("empty.json"), "json", []);
        var one = Reports.Write(PathFor("one.xml"), "xml", [Reports.R("198.18.0.1", Protocol.Tcp, 22, PortState.Open, 64)]);

        var (exit, lines, _) = Diff(empty, one);

        Assert.Equal(1, exit);
        Assert.Equal(["+198.18.0.1 appeared", "+198.18.0.1 22/tcp open (was absent)"], lines);
    }

    [Fact]
    public void BadInputExitsTwoWithOneLineNamingIt()
    {
        var good = Reports.Write(PathFor("good.json"), "json", Reports.Sample);
        File.WriteAllText(PathFor("junk.txt"), "not a report\n");
        File.WriteAllText(PathFor("broken.csv"), "ip,proto,port,state,service,class,flags,ttl\r\n198.18.0.1,tcp,http,open,,,,64\r\n");
        File.WriteAllText(PathFor("broken.gnmap"), "# Nmap-style grepable output\nHost: 198.18.0.1 ()\tPorts: 22/opened/tcp//ssh///\n");

        foreach (var (args, token) in new (string[], string)[]
        {
            ([good, PathFor("junk.txt")], PathFor("junk.txt")),
            ([PathFor("missing.json"), good], PathFor("missing.json")),
            ([good, PathFor("broken.csv")], PathFor("broken.csv")),
            ([PathFor("broken.gnmap"), good], PathFor("broken.gnmap")),
            ([good], "diff takes two files"),
            ([good, good, good], "diff takes two files"),
            (["--json", good], "'--json'"),
        })
        {
            var (exit, lines, err) = Diff(args);
            Assert.Equal(2, exit);
            Assert.Empty(lines);
            var line = Assert.Single(err);
            Assert.StartsWith("rawscan: bad ", line);
            Assert.Contains(token, line);
        }

        var (_, _, e) = Diff(good, PathFor("broken.csv"));
        Assert.Contains("line 2", e[0]);
    }
}
