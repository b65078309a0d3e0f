using Xunit;

namespace RawScan.Tests;

/// <summary>Bad input: one line naming the token, a non-zero exit, and nothing sent.</summary>
public class BadInputTests
{
    [Theory]
    [InlineData("198.18.0.0/33", "80", "'198.18.0.0/33'")]
    [InlineData("198.18.1", "80", "'198.18.1'")]
    [InlineData("198.18.0.1", "0-70000", "'70000'")]
    [InlineData("198.18.0.1", "abc", "'abc'")]
    public void BadTargetOrPortIsOneLineAndExit2(string target, string ports, string token)
    {
        // Run from the host's namespace, whose route to 198.18.0.0/16 is the default route: had the
        // scan got as far as a route lookup, capture or packet, it would fail there (exit 1, "refusing
        // to scan ... default route"), not with exit 2 naming the token.
        var r = Cli.Run(["scan", target, "-p", ports]);
        Assert.Equal(2, r.ExitCode);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(token, lines[0]);
        Assert.Equal("", r.Stdout);
    }

    [Theory]
    [InlineData("--rate", "fast", "'fast'")]
    [InlineData("--wait", "-1", "'-1'")]
    [InlineData("--bogus", null, "'--bogus'")]
    [InlineData("--source-ip", "198.19.0", "'198.19.0'")]
    [InlineData("--router-mac", "00:11:22", "'00:11:22'")]
    [InlineData("--lab", "Bad_Name", "'Bad_Name'")]
    public void BadOptionIsOneLineAndExit2(string option, string? value, string token)
    {
        string[] args = value is null ? ["scan", "198.18.0.1", "-p", "80", option] : ["scan", "198.18.0.1", "-p", "80", option, value];
        var r = Cli.Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(token, r.Stderr);
    }

    [Fact]
    public void ParsingFailsBeforeTheScannerIsBuilt()
    {
        // The parse step is pure and throws on the first bad token; Run calls it before anything else.
        var e = Assert.Throws<BadInputException>(() => RawScan.Cli.ScanCommand.Parse(["198.18.0.1", "-p", "80,90000"]));
        Assert.Equal("90000", e.Token);
    }
}
