using RawScan.Cli;
using RawScan.Results;
using Xunit;

namespace RawScan.Tests;

/// <summary>rawscan diff of two --banners reports: a changed version or service of a port open in both is a "*" line, in every readable format.</summary>
public sealed class DiffServiceTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("rawscan-diff-services-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static IEnumerable<(PortResult, ServiceFinding?)> Upgraded() => Findings.Sample.Select(x =>
        x.Result.Address == Reports.Ip("198.18.0.1") && x.Result.Port == 22 ? (x.Result, x.Finding! with { Version = "9.3p1" })
        : x.Result.Port == 8080 ? (x.Result, Findings.Https with { Tunnel = null, TlsSubject = null, TlsIssuer = null })
        : x);

    [Theory]
    [InlineData("json")]
    [InlineData("csv")]
    [InlineData("xml")]
    [InlineData("grep")]
    public void AChangedVersionOrServiceIsReported(string format)
    {
        string ext = Reports.Ext(format);
        string before = Findings.Write(Path.Combine(_dir.FullName, "before." + ext), format);
        string after = Findings.Write(Path.Combine(_dir.FullName, "after." + ext), format, Upgraded());
        var stdout = new StringWriter();
        int exit = DiffCommand.Run([before, after], stdout, new StringWriter());
        Assert.Equal(1, exit);
        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
        [
            "*198.18.0.1 22/tcp ssh OpenSSH 9.2p1 Debian 2+deb12u10 -> OpenSSH 9.3p1",
            "*198.18.0.2 8080/tcp ssh OpenSSH 9.2p1 Debian 2+deb12u10 -> http nginx 1.22.1",
        ], lines);
        Assert.Equal(0, DiffCommand.Run([before, before], new StringWriter(), new StringWriter()));
    }

    [Fact]
    public void AReportWithoutBannersSaysNothingOfServices()
    {
        string before = Reports.Write(Path.Combine(_dir.FullName, "plain.json"), "json", Findings.Sample.Select(x => x.Result));
        string after = Findings.Write(Path.Combine(_dir.FullName, "banners.json"), "json");
        Assert.Equal(0, DiffCommand.Run([before, after], new StringWriter(), new StringWriter()));
    }
}
