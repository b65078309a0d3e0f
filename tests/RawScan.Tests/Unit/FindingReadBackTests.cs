using RawScan.Output;
using RawScan.Results;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// A --banners scan's findings, hostile bytes included, written by every readable format and read back by
/// ReportReader: JSON lines and CSV keep every field and the exact bytes, XML the service and the banner,
/// grepable the service and its version text. Lines and rows are whole lines: no banner byte breaks one.
/// </summary>
public sealed class FindingReadBackTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("rawscan-findings-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string PathFor(string format) => Path.Combine(_dir.FullName, "scan." + Reports.Ext(format));

    private static Dictionary<(UInt128, ushort), ServiceFinding?> Back(string path, out string format)
    {
        var entries = ReportReader.ReadEntries(path, out format, out bool cut);
        Assert.False(cut);
        return entries.Where(e => e.Result.Protocol == Protocol.Tcp).ToDictionary(e => (e.Result.Address, e.Result.Port), e => e.Service);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("csv")]
    public void StreamedFormatsKeepEveryFieldAndTheExactBytes(string format)
    {
        var path = Findings.Write(PathFor(format), format);
        var back = Back(path, out var detected);
        Assert.Equal(format, detected);
        foreach (var (r, f) in Findings.Sample.Where(x => x.Result.Protocol == Protocol.Tcp && x.Result.State == PortState.Open))
        {
            var g = back[(r.Address, r.Port)];
            Assert.NotNull(g);
            Assert.Equal(f!.Banner, g.Banner);
            Assert.Equal((f.Service, f.Product, f.Version, f.Info, f.Tunnel, f.TlsSubject, f.TlsIssuer, f.Method),
                         (g.Service, g.Product, g.Version, g.Info, g.Tunnel, g.TlsSubject, g.TlsIssuer, g.Method));
        }
        Assert.Null(back[(Reports.Ip("198.18.0.1"), 25)]);
        // JSON: one result a line, the banners' and the strings' line ends escaped. (CSV quotes a
        // server's line end in its product or version as RFC 4180 allows; the banner is always escaped.)
        if (format == "json") Assert.Equal(Findings.Sample.Length, File.ReadAllLines(path).Length);
        Assert.DoesNotContain(File.ReadAllBytes(path), b => b == 0 || b == 0x1b || b >= 0x80);
    }

    [Fact]
    public void CsvOfABannersScanHasTheServiceColumnsOnEveryRow()
    {
        var path = Findings.Write(PathFor("csv"), "csv");
        var rows = File.ReadAllLines(path);
        Assert.Equal(CsvReportWriter.BannersHeader, rows[0]);
        Assert.Contains(rows, r => r == "198.18.0.1,tcp,25,closed,smtp,well-known,,64,reset,,,,,,,,,");
        // A banner starting "=" is not a formula to a spreadsheet, and reads back as the same bytes.
        Assert.Contains(rows, r => r.Contains(",table,,,\"\\x3dHYPERLINK(\"\"x\"\")", StringComparison.Ordinal));
    }

    [Fact]
    public void JsonLinesOfAPortWithAFindingAddTheFieldsAfterTheRegistrys()
    {
        var path = Findings.Write(PathFor("json"), "json");
        var ssh = File.ReadAllLines(path).Single(l => l.Contains("\"port\":22,", StringComparison.Ordinal));
        Assert.EndsWith("\"service\":\"ssh\",\"class\":\"well-known\",\"flags\":[],\"detected_service\":\"ssh\",\"product\":\"OpenSSH\"," +
                        "\"version\":\"9.2p1 Debian 2+deb12u10\",\"info\":\"protocol 2.0\",\"method\":\"probed\"," +
                        "\"banner\":\"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\\\\r\\\\n\"}", ssh);
        var udp = File.ReadAllLines(path).Single(l => l.Contains("\"port\":53,", StringComparison.Ordinal));
        Assert.DoesNotContain("banner", udp);
    }

    [Fact]
    public void XmlKeepsTheServiceAndTheBanner()
    {
        var back = Back(Findings.Write(PathFor("xml"), "xml"), out _);
        var ssh = back[(Reports.Ip("198.18.0.2"), 8080)]!;
        Assert.Equal(("ssh", "OpenSSH", "9.2p1 Debian 2+deb12u10", "protocol 2.0", ServiceMethod.Probed), (ssh.Service, ssh.Product, ssh.Version, ssh.Info, ssh.Method));
        Assert.Equal(Findings.Ssh.Banner, ssh.Banner);
        var https = back[(Reports.Ip("198.18.0.1"), 443)]!;
        Assert.Equal(("http", "ssl", "CN=lab.example,O=\"Lab, Inc.\"", "CN=lab.example"), (https.Service, https.Tunnel, https.TlsSubject, https.TlsIssuer));
        Assert.Equal(Findings.Hostile, back[(Reports.Ip("198.18.0.1"), 80)]!.Banner);
        Assert.Equal(Findings.Hostile, back[(Reports.Ip("198.18.0.2"), 8443)]!.Banner);   // nothing named it: the banner alone
    }

    [Fact]
    public void GrepableKeepsTheServiceAndItsVersionText()
    {
        var path = Findings.Write(PathFor("grep"), "grep");
        Assert.Contains("22/open/tcp//ssh//OpenSSH 9.2p1 Debian 2+deb12u10 (protocol 2.0)/", File.ReadAllText(path));
        Assert.Contains("443/open/tcp//ssl|http//nginx 1.22.1/", File.ReadAllText(path));
        var back = Back(path, out _);
        var ssh = back[(Reports.Ip("198.18.0.1"), 22)]!;
        Assert.Equal(("ssh", "OpenSSH 9.2p1 Debian 2+deb12u10", "protocol 2.0"), (ssh.Service, ssh.Product, ssh.Info));
        Assert.Equal(("http", "ssl"), (back[(Reports.Ip("198.18.0.1"), 443)]!.Service, back[(Reports.Ip("198.18.0.1"), 443)]!.Tunnel));
        Assert.Single(File.ReadAllLines(path), l => l.Contains("Ports:", StringComparison.Ordinal) && l.Contains("198.18.0.1 ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("json")]
    [InlineData("csv")]
    [InlineData("xml")]
    [InlineData("grep")]
    public void AScanWithoutBannersReadsBackWithoutFindings(string format)
    {
        var path = Reports.Write(PathFor(format), format, Reports.Sample);
        Assert.All(ReportReader.ReadEntries(path, out _, out _), e => Assert.Null(e.Service));
    }
}
