using Xunit;

namespace RawScan.Tests;

/// <summary>
/// Inputs the audit of issue 12 found accepted or crashing: each is refused while parsing, with one
/// line naming the token, before any packet or file. (The parse step is pure; Run calls it first.)
/// </summary>
public class BoundedInputTests
{
    private static BadInputException Refused(params string[] args) =>
        Assert.Throws<BadInputException>(() => RawScan.Cli.ScanCommand.Parse(args));

    [Theory]
    [InlineData("--wait", "NaN")]
    [InlineData("--wait", "-1")]
    [InlineData("--wait", "Infinity")]
    [InlineData("--wait", "1e9")]
    [InlineData("--rate", "1e-12")]
    [InlineData("--rate", "0.001")]
    [InlineData("--rate", "1e99")]
    [InlineData("--rate", "NaN")]
    [InlineData("--rate", "-5")]
    [InlineData("--source-port", "0")]
    [InlineData("--source-port", "0-100")]
    public void OutOfRangeValuesNameTheirToken(string option, string value)
    {
        Assert.Equal(value, Refused("198.18.0.1", "-p", "80", option, value).Token);
        Assert.Equal(value, Refused("198.18.0.1", "-p", "80", $"{option}={value}").Token);
    }

    [Theory]
    [InlineData("0.01")]
    [InlineData("100000000")]
    [InlineData("max")]
    public void RatesAtTheBoundsAreTaken(string rate) =>
        RawScan.Cli.ScanCommand.Parse(["198.18.0.1", "-p", "80", "--rate", rate]);

    [Theory]
    [InlineData("--write-pcap", "/nonexistent/dir/x.pcap")]
    [InlineData("--resume-file", "/nonexistent/dir/p.rawscan")]
    [InlineData("--write-pcap", "/tmp")]
    [InlineData("--resume-file", "/")]
    public void FilesTheScanWouldWriteAreCheckedBeforeIt(string option, string path)
    {
        string[] dry = option == "--write-pcap" ? ["--dry-run"] : [];
        Assert.Equal(path, Refused(["198.18.0.1", "-p", "80", .. dry, option, path]).Token);
    }

    /// <summary>/dev/zero used to be read for 8.4 GB; a directory said "Access ... denied"; both now name the file.</summary>
    [Theory]
    [InlineData("-iL", "/dev/zero", "line 1 is longer than")]
    [InlineData("-iL", "/tmp", "is a directory")]
    [InlineData("--excludefile", "/dev/zero", "line 1 is longer than")]
    [InlineData("--excludefile", "/nonexistent/x", "no such file")]
    [InlineData("--udp-payloads", "/dev/zero", "line 1 is longer than")]
    [InlineData("--nmap-payloads", "/tmp", "is a directory")]
    public void TargetAndPayloadFilesAreReadWithinLimits(string option, string path, string reason)
    {
        var e = Refused("198.18.0.1", "-sU", "-p", "53", option, path);
        Assert.Equal(path, e.Token);
        Assert.Contains(reason, e.Reason);
    }

    [Fact]
    public void AGoodFileStillReadsWithCommentsAndCrLf()
    {
        string f = Path.GetTempFileName();
        try
        {
            File.WriteAllText(f, "198.18.0.1 # one\r\n198.18.0.2,198.18.0.3\r\n\r\n198.18.1.0/30");
            var p = RawScan.Cli.ScanCommand.Parse(["-iL", f, "-p", "80"]);
            Assert.Equal(7ul, p.Options.Targets.Count);
        }
        finally { File.Delete(f); }
    }

    /// <summary>The program itself: exit 2, one line on standard error naming the token, nothing on standard output, no stack trace.</summary>
    [Theory]
    [InlineData("--wait", "NaN")]
    [InlineData("--rate", "1e-12")]
    [InlineData("-iL", "/dev/zero")]
    [InlineData("--source-port", "0")]
    public void TheProgramSaysOneLineAndExits2(string option, string value)
    {
        var r = Cli.Run(["scan", "198.18.0.1", "-p", "80", option, value]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Stdout);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains($"'{value}'", lines[0]);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Theory]
    [InlineData("")]
    [InlineData(",")]
    [InlineData(" ")]
    public void AnEmptyTargetIsNamedNotTakenForNoTargets(string target) =>
        Assert.Equal(target, Refused("198.18.0.1", target, "-p", "80").Token);
}
