using System.Text.RegularExpressions;
using RawScan.Lab;
using RawScan.Output;
using RawScan.Results;
using RawScan.Targets;
using Xunit;
using Xunit.Abstractions;

namespace RawScan.Tests;

/// <summary>
/// Issue 15's judge in our lab: behind a 50,000 pps policer, /16 x 80,443 with --rate auto --retries 2
/// finds at least 99.9% of the open ports and nothing that is not open, and says the rate it settled at;
/// a --rate max run behind the same policer says probes were lost on the path; with no bottleneck
/// --rate auto finds everything. (The wall-time ratios are measured by bench/adaptive-rate.sh, not here.)
/// </summary>
[Collection(LabScans.Name)]     // it measures what a path delivers: not beside another scan on the same two cores
public partial class LabAutoRateTests(ITestOutputHelper output)
{
    private const string Targets = "198.18.0.0/16", Ports = "80,443";

    [LabFact]
    public void BehindAPolicerAutoFindsTheTruthAndMaxSaysItLostProbes()
    {
        string name = LabManagerTests.UniqueName();
        string dir = Directory.CreateTempSubdirectory("rawscan-auto-").FullName;
        try
        {
            var lab = LabManager.Up(name, Cli.Command);
            var truth = LabTruth.Load(lab.TruthPath);
            var open = truth.Expect(TargetSet.Parse(Targets), PortSet.Parse(Ports), Protocol.Tcp)
                .Where(e => e.State == PortState.Open).Select(e => (e.Address, e.Port)).ToHashSet();

            (int Found, int False, string Stderr) Scan(string rate)
            {
                string json = Path.Combine(dir, $"{rate}.json");
                var r = Cli.Run(["scan", "--lab", name, Targets, "-p", Ports, "--rate", rate, "--retries", "2", "-oJ", json]);
                Assert.True(r.ExitCode == 0, r.Stderr);
                var got = ReportReader.Read(json).Where(x => x.State == PortState.Open).Select(x => (x.Address, x.Port)).ToList();
                output.WriteLine($"--rate {rate}: {got.Count(open.Contains)} of {open.Count} found\n{r.Stderr}");
                return (got.Count(open.Contains), got.Count(g => !open.Contains(g)), r.Stderr);
            }

            var clean = Scan("auto");
            Assert.Equal(open.Count, clean.Found);
            Assert.Equal(0, clean.False);

            Assert.Equal(0, Cli.Run(["lab", "bottleneck", "50000", "--name", name]).ExitCode);
            var auto = Scan("auto");
            Assert.True(auto.Found >= open.Count * 0.999, $"--rate auto found {auto.Found} of {open.Count} behind the policer");
            Assert.Equal(0, auto.False);
            Assert.Matches(Settled(), auto.Stderr);

            var max = Scan("max");
            Assert.True(max.Found < open.Count * 0.95, $"--rate max found {max.Found} of {open.Count}: the policer did not bite");
            Assert.Matches(Lost(), max.Stderr);
        }
        finally
        {
            LabManager.Down(name);
            Directory.Delete(dir, recursive: true);
        }
    }

    [GeneratedRegex(@"--rate auto settled at \d+ pps")]
    private static partial Regex Settled();

    [GeneratedRegex(@"\d+% of probes were lost on the path; filtered verdicts may be loss")]
    private static partial Regex Lost();
}
