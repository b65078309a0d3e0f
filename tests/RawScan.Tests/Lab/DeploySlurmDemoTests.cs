using Xunit;

namespace RawScan.Tests;

/// <summary>
/// deploy/slurm/lab-demo.sh, run as the README says: a private Slurm runs the job array script's four
/// shards of 198.18.0.0/16 x 80,443 inside a lab of its own, and the merged result is exact against
/// the lab's truth (one line, exit 0); a shard run with another seed makes it fail. Either way nothing
/// it started is left: no temp dir, no lab namespace, no munged, slurmctld, slurmd or slurmstepd.
/// In the lab scans' collection: its check is exact, so nothing else may load the machine meanwhile.
/// </summary>
[Collection(LabScans.Name)]
public class DeploySlurmDemoTests
{
    private static string Demo => DeployFiles.At("deploy/slurm/lab-demo.sh");

    // The demo bounds its own job (DEMO_TIMEOUT, 120 s) and its clean-up; this is only a backstop.
    private const int TimeoutMs = 240_000;

    [LabFact]
    public void FourShardsMergedAreExactAgainstTheLabsTruth()
    {
        string dir = Directory.CreateTempSubdirectory("rawscan-demo-").FullName;
        try
        {
            var before = Leftovers();
            var r = DeployFiles.Run(Demo, [], new Dictionary<string, string?> { ["RAWSCAN"] = DeployFiles.Program(dir) }, TimeoutMs);
            Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
            string line = Assert.Single(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Matches(@"^slurm lab demo: 4 shards \(seed \d+\), 131072 results merged, exact against the lab's truth$", line);
            Assert.Empty(Leftovers().Except(before));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>
    /// The mistake sharding must not survive: shard 4 of 4 with a seed of its own covers another
    /// quarter of the permutation, so the merge misses probes and repeats others.
    /// </summary>
    [LabFact]
    public void AShardWithAnotherSeedFailsTheCheck()
    {
        string dir = Directory.CreateTempSubdirectory("rawscan-demo-").FullName;
        try
        {
            string program = DeployFiles.Program(dir);
            string wrongSeed = DeployFiles.Script(dir, "rawscan-wrong-seed", $$"""
                #!/bin/bash
                args=("$@")
                if [[ " $* " == *" --shard 4/4 "* ]]; then
                    for i in "${!args[@]}"; do
                        if [ "${args[i]}" = --seed ]; then args[i+1]=$((args[i+1] + 1)); fi
                    done
                fi
                exec {{DeployFiles.Quote(program)}} "${args[@]}"

                """);
            var before = Leftovers();
            var r = DeployFiles.Run(Demo, [], new Dictionary<string, string?> { ["RAWSCAN"] = wrongSeed }, TimeoutMs);
            Assert.True(r.ExitCode == 1, $"exit {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
            string line = Assert.Single(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("slurm lab demo: FAILED: the merged result does not match the lab's truth", line);
            Assert.Empty(Leftovers().Except(before));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>What a run of the demo could leave: its temp dirs, its labs' namespaces, live Slurm and munge processes.</summary>
    private static HashSet<string> Leftovers()
    {
        var found = new HashSet<string>(Directory.GetDirectories("/tmp", "rawscan-slurm.*"));
        if (Directory.Exists("/run/netns"))
            found.UnionWith(Directory.GetFiles("/run/netns", "rawscan-sl*").Select(f => "netns " + Path.GetFileName(f)));
        foreach (var proc in Directory.GetDirectories("/proc"))
        {
            string stat;
            try { stat = File.ReadAllText(Path.Combine(proc, "stat")); }
            catch (IOException) { continue; }   // ended meanwhile
            catch (UnauthorizedAccessException) { continue; }
            // pid (comm) state ...: comm may hold spaces and parentheses, so it ends at the last ')'.
            int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
            if (open < 0 || close < open || close + 2 >= stat.Length) continue;
            string comm = stat[(open + 1)..close];
            char state = stat[close + 2];
            if (state != 'Z' && comm is "munged" or "slurmctld" or "slurmd" or "slurmstepd")
                found.Add($"process {stat[..(open - 1)]} {comm}");
        }
        return found;
    }
}
