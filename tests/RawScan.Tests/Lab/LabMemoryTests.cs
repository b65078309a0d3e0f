using System.Text.RegularExpressions;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// What the published program keeps resident (issue 16): a /16 sweep at full rate in 64 MB, one host x one
/// port in 32 MB, and a dry run of the whole IPv4 space in what a one-probe dry run takes. Peak RSS as
/// the kernel counts it for the process and its children (<see cref="PeakRss"/>), so the ring, the tables,
/// the binary and the libraries it maps are all in.
/// </summary>
[Collection(LabScans.Name)]
public sealed partial class LabMemoryTests(ScanLabFixture lab) : IClassFixture<ScanLabFixture>, IDisposable
{
    private const double SweepLimitMb = 64, OneProbeLimitMb = 32, DryRunLimitMb = 100;

    private readonly string _dir = Directory.CreateTempSubdirectory("rawscan-memory-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [NativeProgramFact]
    public void ASlash16SweepAtFullRateFitsIn64MB()
    {
        string json = Path.Combine(_dir, "sweep.json");
        var r = PeakRss.Of([.. Cli.Command, "scan", "--lab", lab.Name, "198.18.0.0/16", "-p", "80", "--rate", "max", "-oJ", json], _dir);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(65_536, File.ReadLines(json).Count());
        // A ring sized for the scan's replies must not have dropped any.
        Assert.Contains(", 0 dropped by the kernel", r.Stderr);
        Assert.True(r.PeakMb <= SweepLimitMb, $"peak RSS {r.PeakMb:F1} MB > {SweepLimitMb} MB");
    }

    [NativeProgramFact]
    public void OneHostOnePortFitsIn32MB()
    {
        // The scan itself, as the --lab run starts it, and the --lab run with it.
        var inside = PeakRss.Of(["ip", "netns", "exec", lab.Info!.ScannerNamespace, .. Cli.Command, "scan", "198.18.0.1", "-p", "80"], _dir);
        var viaLab = PeakRss.Of([.. Cli.Command, "scan", "--lab", lab.Name, "198.18.0.1", "-p", "80"], _dir);
        foreach (var r in new[] { inside, viaLab })
        {
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Contains("80/tcp open", r.Stdout);
            Assert.True(r.PeakMb <= OneProbeLimitMb, $"peak RSS {r.PeakMb:F1} MB > {OneProbeLimitMb} MB");
        }
    }

    /// <summary>
    /// 2^32 probes would take minutes: the dry run is cut short after 3 s (some tens of millions sent),
    /// and must hold no more than a one-probe dry run, give or take the allocator: nothing grows with the space.
    /// </summary>
    [NativeProgramFact]
    public void ADryRunOfTheWholeSpaceTakesNoMoreThanOneProbe()
    {
        var one = PeakRss.Of([.. Cli.Command, "scan", "198.18.0.1", "-p", "1", "--dry-run", "--rate", "max"], _dir);
        var all = PeakRss.Of([.. Cli.Command, "scan", "0.0.0.0/0", "-p", "1", "--no-builtin-exclude", "--dry-run", "--rate", "max"],
            _dir, interruptAfter: TimeSpan.FromSeconds(3));
        Assert.True(one.ExitCode == 0, one.Stderr);
        Assert.True(all.ExitCode == 130, all.Stderr);
        var sent = SentLine().Match(all.Stderr);
        Assert.True(sent.Success, all.Stderr);
        Assert.Equal("4294967296", sent.Groups[2].Value);
        Assert.True(long.Parse(sent.Groups[1].Value) > 1_000_000, $"only {sent.Groups[1].Value} probes sent: the space was hardly walked");
        Assert.True(all.PeakMb <= one.PeakMb + 8, $"2^32 dry run {all.PeakMb:F1} MB, one probe {one.PeakMb:F1} MB: memory grows with the space");
        Assert.True(all.PeakMb < DryRunLimitMb, $"peak RSS {all.PeakMb:F1} MB");
    }

    [GeneratedRegex(@"rawscan: (\d+)/(\d+) probes sent")]
    private static partial Regex SentLine();
}
