using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// deploy/slurm/shard.sbatch as Slurm runs it, one task of an array at a time, with Slurm's
/// variables set as sbatch sets them and a stand-in for rawscan that records what it is given: its
/// <c>#SBATCH --array=1-N</c> makes tasks 1..N run shards 1/N..N/N of one sweep, one seed; an array
/// that is not 1-N is refused before anything runs; a shard run again resumes its place.
/// </summary>
public partial class DeploySlurmScriptTests
{
    private static string Sbatch => DeployFiles.At("deploy/slurm/shard.sbatch");
    private const string Seed = "4242", Ports = "80,443", Targets = "198.18.0.0/16";

    /// <summary>N of the script's one array directive, which must read 1-N.</summary>
    private static int ArrayN()
    {
        var directive = Assert.Single(File.ReadAllLines(Sbatch), l => l.StartsWith("#SBATCH --array", StringComparison.Ordinal));
        var m = ArrayDirective().Match(directive);
        Assert.True(m.Success, $"the array directive is not --array=1-N: {directive}");
        return int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>Task <paramref name="id"/> of an array min-max of <paramref name="count"/> tasks; the stub's arguments, or null if it did not run.</summary>
    private static (Cli.Result Result, string[]? Args) RunTask(string dir, int id, int min, int max, int count, Dictionary<string, string?>? more = null)
    {
        string log = Path.Combine(dir, $"args-{id}");
        File.Delete(log);
        var env = new Dictionary<string, string?>
        {
            ["SLURM_ARRAY_TASK_ID"] = id.ToString(CultureInfo.InvariantCulture),
            ["SLURM_ARRAY_TASK_MIN"] = min.ToString(CultureInfo.InvariantCulture),
            ["SLURM_ARRAY_TASK_MAX"] = max.ToString(CultureInfo.InvariantCulture),
            ["SLURM_ARRAY_TASK_COUNT"] = count.ToString(CultureInfo.InvariantCulture),
            ["SLURM_SUBMIT_DIR"] = dir,
            ["RAWSCAN"] = DeployFiles.Stub(dir),
            ["STUB_LOG"] = log,
            ["SCAN_TARGETS"] = Targets,
            ["SCAN_PORTS"] = Ports,
            ["SCAN_SEED"] = Seed,
            ["SCAN_OUT_DIR"] = Path.Combine(dir, "out"),
            ["SCAN_ARGS"] = "--rate 1000 --show closed",
            ["SCAN_SHARDS"] = null,
        };
        foreach (var (k, v) in more ?? new()) env[k] = v;
        var r = DeployFiles.Run(Sbatch, [], env, 10_000);
        return (r, DeployFiles.StubArgs(log));
    }

    [Fact]
    public void TheArrayOneToNRunsEachShardOfNOnceWithOneSeed()
    {
        int n = ArrayN();
        Assert.True(n >= 2, $"an array of {n} task is not a split");
        string dir = Directory.CreateTempSubdirectory("rawscan-sbatch-").FullName;
        try
        {
            string outDir = Path.Combine(dir, "out");
            var shards = new List<string>();
            for (int id = 1; id <= n; id++)
            {
                var (r, args) = RunTask(dir, id, 1, n, n);
                Assert.True(r.ExitCode == 0, $"task {id}: exit {r.ExitCode}: {r.Stderr}");
                Assert.NotNull(args);
                Assert.Equal("scan", args[0]);
                Assert.Contains(Targets, args);
                Assert.Equal(Ports, DeployFiles.ValueOf(args, "-p"));
                Assert.Equal(Seed, DeployFiles.ValueOf(args, "--seed"));
                Assert.Equal("1000", DeployFiles.ValueOf(args, "--rate"));
                Assert.Equal(Path.Combine(outDir, $"shard-{id}.json"), DeployFiles.ValueOf(args, "-oJ"));
                Assert.Equal(Path.Combine(outDir, $"shard-{id}.rawscan"), DeployFiles.ValueOf(args, "--resume-file"));
                shards.Add(DeployFiles.ValueOf(args, "--shard"));
            }
            Assert.Equal(Enumerable.Range(1, n).Select(i => $"{i}/{n}"), shards);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>Arrays whose task IDs are not exactly 1..N: shards left out, or one that does not exist.</summary>
    [Theory]
    [InlineData(1, 0, 3, 4)]   // --array=0-3: task 0 is no shard, and shard 4 is never run
    [InlineData(3, 1, 7, 4)]   // --array=1-7:2: shards 2, 4 and 6 of 7 never run
    [InlineData(2, 2, 5, 4)]   // --array=2-5: shard 1 never runs, 5 of 4 does not exist
    public void AnArrayThatIsNotOneToNIsRefusedBeforeAnythingRuns(int id, int min, int max, int count)
    {
        string dir = Directory.CreateTempSubdirectory("rawscan-sbatch-").FullName;
        try
        {
            var (r, args) = RunTask(dir, id, min, max, count);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("the array must be --array=1-N", r.Stderr);
            Assert.Null(args);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void WithoutASeedNothingRuns()
    {
        string dir = Directory.CreateTempSubdirectory("rawscan-sbatch-").FullName;
        try
        {
            var (r, args) = RunTask(dir, 1, 1, 4, 4, new() { ["SCAN_SEED"] = null });
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("set SCAN_SEED", r.Stderr);
            Assert.Null(args);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>
    /// Shard 3 of 8 run again on its own (SCAN_SHARDS=8, --array=3): it finishes the place a stopped run
    /// left, whose seed must be the sweep's; a place of another sweep is refused.
    /// </summary>
    [Fact]
    public void AShardRunAgainResumesItsPlaceOnlyIfItIsThisSweeps()
    {
        string dir = Directory.CreateTempSubdirectory("rawscan-sbatch-").FullName;
        try
        {
            var more = new Dictionary<string, string?> { ["SCAN_SHARDS"] = "8" };
            var (fresh, freshArgs) = RunTask(dir, 3, 3, 3, 1, more);
            Assert.True(fresh.ExitCode == 0, fresh.Stderr);
            Assert.Equal("3/8", DeployFiles.ValueOf(freshArgs!, "--shard"));

            string place = Path.Combine(dir, "out", "shard-3.rawscan");
            File.WriteAllText(place, $"{{\n  \"version\": 2,\n  \"args\": [],\n  \"seed\": {Seed},\n  \"position\": 7\n}}\n");
            var (resumed, args) = RunTask(dir, 3, 3, 3, 1, more);
            Assert.True(resumed.ExitCode == 0, resumed.Stderr);
            Assert.NotNull(args);
            Assert.Equal(["scan", "--resume", place, "--rate", "1000", "--show", "closed"], args);

            File.WriteAllText(place, "{\n  \"seed\": 17\n}\n");
            var (refused, none) = RunTask(dir, 3, 3, 3, 1, more);
            Assert.Equal(2, refused.ExitCode);
            Assert.Contains($"is the place of a sweep with seed 17, not {Seed}", refused.Stderr);
            Assert.Null(none);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [GeneratedRegex(@"^#SBATCH --array=1-(\d+)$")]
    private static partial Regex ArrayDirective();
}
