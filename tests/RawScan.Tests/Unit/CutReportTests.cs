using RawScan.Output;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// A scan killed while writing leaves its JSON lines or CSV with a last line cut in half (issue 12,
/// defect 14): diff and lab verify read the rest and say so, rather than reject the whole file. A bad
/// line anywhere else is still an error.
/// </summary>
public class CutReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rawscan-cut-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Json = """
        {"ip":"198.18.0.1","proto":"tcp","port":80,"state":"open"}
        {"ip":"198.18.0.2","proto":"tcp","port":80,"state":"open"}

        """;

    [Fact]
    public void ALastLineCutShortIsLeftOutAndSaid()
    {
        string path = Path.Combine(_dir, "cut.json");
        File.WriteAllText(path, Json + """{"ip":"198.18.0.3","proto":"tc""");
        var results = ReportReader.Read(path, out var format, out bool cut);
        Assert.Equal("json", format);
        Assert.True(cut);
        Assert.Equal(2, results.Count);

        var diff = Cli.Run(["diff", path, path]);
        Assert.Equal(0, diff.ExitCode);
        Assert.Contains("last line was cut short", diff.Stderr);
    }

    [Fact]
    public void AWholeReportIsNotCut()
    {
        string path = Path.Combine(_dir, "whole.json");
        File.WriteAllText(path, Json);
        Assert.Equal(2, ReportReader.Read(path, out _, out bool cut).Count);
        Assert.False(cut);
    }

    [Theory]
    [InlineData("""{"ip":"198.18.0.3","proto":"tc""" + "\n")]                                  // a bad last line that did end: not a cut
    [InlineData("""{"ip":"198.18.0.3","proto":"tc""" + "\n" + """{"ip":"198.18.0.4","proto":"tcp","port":80,"state":"open"}""")]
    public void ABadLineThatIsNotACutIsStillAnError(string tail)
    {
        string path = Path.Combine(_dir, "bad.json");
        File.WriteAllText(path, Json + tail);
        Assert.Throws<FormatException>(() => ReportReader.Read(path, out _, out _));
    }
}
