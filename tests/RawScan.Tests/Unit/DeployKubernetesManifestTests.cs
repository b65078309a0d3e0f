using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace RawScan.Tests;

/// <summary>
/// deploy/kubernetes/ read with a YAML parser, as no cluster is reachable here: the sweep is an
/// Indexed Job of N completions whose pods run shards 1/N..N/N with one seed on the host's network,
/// with NET_RAW and NET_ADMIN but not privileged, writing to a ReadWriteMany claim that the merge Job
/// mounts and reads back. The pods' shell commands are run with a stand-in for rawscan (and a temp dir
/// for the volume), once per completion index, so what is checked is what each pod would execute.
/// </summary>
public partial class DeployKubernetesManifestTests
{
    private static string Manifest(string name) => DeployFiles.At(Path.Combine("deploy", "kubernetes", name));

    private static YamlMappingNode Load(string name)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(Manifest(name))) stream.Load(reader);
        var doc = Assert.Single(stream.Documents);
        return Assert.IsType<YamlMappingNode>(doc.RootNode);
    }

    private static YamlNode? Get(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out var next)) return null;
            node = next;
        }
        return node;
    }

    private static string? Scalar(YamlNode node, params string[] path) => (Get(node, path) as YamlScalarNode)?.Value;

    private static YamlMappingNode Map(YamlNode node, params string[] path) =>
        Assert.IsType<YamlMappingNode>(Get(node, path) ?? throw new Xunit.Sdk.XunitException($"no {string.Join('.', path)}"));

    private static List<YamlNode> Seq(YamlNode node, params string[] path) =>
        [.. Assert.IsType<YamlSequenceNode>(Get(node, path) ?? throw new Xunit.Sdk.XunitException($"no {string.Join('.', path)}")).Children];

    private static int Int(YamlNode node, params string[] path) =>
        int.Parse(Scalar(node, path) ?? throw new Xunit.Sdk.XunitException($"no {string.Join('.', path)}"), CultureInfo.InvariantCulture);

    /// <summary>A Job's one container, the shell script it runs (command sh -c, the script its one argument), and its volume's mount and claim.</summary>
    private sealed record Pod(YamlMappingNode Container, string Script, string MountPath, string ClaimName);

    private static Pod PodOf(YamlMappingNode job)
    {
        Assert.Equal("batch/v1", Scalar(job, "apiVersion"));
        Assert.Equal("Job", Scalar(job, "kind"));
        var spec = Map(job, "spec", "template", "spec");
        var container = Assert.IsType<YamlMappingNode>(Assert.Single(Seq(spec, "containers")));
        Assert.Equal(["/bin/sh", "-c"], Seq(container, "command").Select(n => ((YamlScalarNode)n).Value));
        string script = Assert.IsType<YamlScalarNode>(Assert.Single(Seq(container, "args"))).Value!;
        var mount = Assert.IsType<YamlMappingNode>(Assert.Single(Seq(container, "volumeMounts")));
        var volume = Assert.IsType<YamlMappingNode>(Assert.Single(Seq(spec, "volumes")));
        Assert.Equal(Scalar(mount, "name"), Scalar(volume, "name"));
        return new Pod(container, script, Scalar(mount, "mountPath")!, Scalar(volume, "persistentVolumeClaim", "claimName")!);
    }

    /// <summary>
    /// Runs a pod's script as its shell would: the program's path replaced by the stand-in, the volume's
    /// by <paramref name="volume"/>, with the container's environment and <paramref name="env"/>.
    /// </summary>
    private static (Cli.Result Result, string[]? Args) RunPod(Pod pod, string program, string volume, string dir, Dictionary<string, string?> env)
    {
        string log = Path.Combine(dir, "args");
        File.Delete(log);
        string script = pod.Script.Replace(program, DeployFiles.Stub(dir), StringComparison.Ordinal)
            .Replace(pod.MountPath + "/", volume + "/", StringComparison.Ordinal);
        foreach (var e in (Get(pod.Container, "env") as YamlSequenceNode)?.Children ?? [])
            env.TryAdd(Scalar(e, "name")!, Scalar(e, "value"));
        env["STUB_LOG"] = log;
        var r = DeployFiles.Run("/bin/sh", ["-c", script], env, 10_000);
        return (r, DeployFiles.StubArgs(log));
    }

    /// <summary>The program a pod runs: the path the Dockerfile's final stage installs it at.</summary>
    private static string ImageProgram()
    {
        string dockerfile = File.ReadAllText(DeployFiles.At("deploy/Dockerfile"));
        string final = dockerfile[dockerfile.LastIndexOf("\nFROM ", StringComparison.Ordinal)..];
        var copy = FinalCopy().Match(final);
        Assert.True(copy.Success, "the Dockerfile's final stage copies no program from the build stage");
        return copy.Groups[1].Value.TrimEnd('/') + "/rawscan";
    }

    [Fact]
    public void TheSweepIsAnIndexedJobWhosePodsRunEveryShardOnceWithOneSeed()
    {
        var job = Load("scan-job.yaml");
        var pod = PodOf(job);
        var spec = Map(job, "spec");
        Assert.Equal("Indexed", Scalar(spec, "completionMode"));
        int n = Int(spec, "completions"), parallelism = Int(spec, "parallelism");
        Assert.True(n >= 2, $"{n} completion is not a split");
        Assert.InRange(parallelism, 1, n);
        var shard = ShardArgument().Match(pod.Script);
        Assert.True(shard.Success, $"no --shard $((JOB_COMPLETION_INDEX+1))/N in: {pod.Script}");
        Assert.Equal(n, int.Parse(shard.Groups[1].Value, CultureInfo.InvariantCulture));

        var podSpec = Map(job, "spec", "template", "spec");
        Assert.Equal("true", Scalar(podSpec, "hostNetwork"));
        var security = Map(pod.Container, "securityContext");
        var added = Seq(security, "capabilities", "add").Select(c => ((YamlScalarNode)c).Value).ToList();
        Assert.Contains("NET_RAW", added);
        Assert.Contains("NET_ADMIN", added);
        Assert.NotEqual("true", Scalar(security, "privileged"));

        string program = ImageProgram();
        Assert.Contains(program, pod.Script);
        string dir = Directory.CreateTempSubdirectory("rawscan-k8s-").FullName;
        try
        {
            string volume = Directory.CreateDirectory(Path.Combine(dir, "volume")).FullName;
            var seeds = new HashSet<string>();
            for (int index = 0; index < n; index++)
            {
                var (r, args) = RunPod(pod, program, volume, dir, new() { ["JOB_COMPLETION_INDEX"] = index.ToString(CultureInfo.InvariantCulture) });
                Assert.True(r.ExitCode == 0, $"pod {index}: exit {r.ExitCode}: {r.Stderr}");
                Assert.NotNull(args);
                Assert.Equal("scan", args[0]);
                Assert.Equal($"{index + 1}/{n}", DeployFiles.ValueOf(args, "--shard"));
                seeds.Add(DeployFiles.ValueOf(args, "--seed"));
                // Its report and its place are on the volume, one file each per shard.
                Assert.Equal(Path.Combine(volume, $"shard-{index + 1}.json"), DeployFiles.ValueOf(args, "-oJ"));
                Assert.Equal(Path.Combine(volume, $"shard-{index + 1}.rawscan"), DeployFiles.ValueOf(args, "--resume-file"));
            }
            string seed = Assert.Single(seeds);
            Assert.Matches("^[0-9]+$", seed);
            // Every --seed written anywhere in the manifests is that one.
            Assert.All(Directory.GetFiles(DeployFiles.At("deploy/kubernetes"), "*.yaml"),
                f => Assert.All(SeedArgument().Matches(File.ReadAllText(f)), m => Assert.Equal(seed, m.Groups[1].Value)));

            // A retried pod finds its shard's place on the volume and resumes it.
            File.WriteAllText(Path.Combine(volume, "shard-2.rawscan"), "{}");
            var (retry, retryArgs) = RunPod(pod, program, volume, dir, new() { ["JOB_COMPLETION_INDEX"] = "1" });
            Assert.True(retry.ExitCode == 0, retry.Stderr);
            Assert.NotNull(retryArgs);
            Assert.Equal(["scan", "--resume", Path.Combine(volume, "shard-2.rawscan")], retryArgs);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void TheResultsGoToAReadWriteManyClaimThatTheMergeJobReadsBack()
    {
        var claim = Load("results-pvc.yaml");
        Assert.Equal("v1", Scalar(claim, "apiVersion"));
        Assert.Equal("PersistentVolumeClaim", Scalar(claim, "kind"));
        Assert.Contains("ReadWriteMany", Seq(claim, "spec", "accessModes").Select(m => ((YamlScalarNode)m).Value));
        var scanJob = Load("scan-job.yaml");
        var scan = PodOf(scanJob);
        var merge = PodOf(Load("merge-job.yaml"));
        Assert.Equal(Scalar(claim, "metadata", "name"), scan.ClaimName);
        Assert.Equal(scan.ClaimName, merge.ClaimName);
        int n = Int(scanJob, "spec", "completions");

        string program = ImageProgram();
        string dir = Directory.CreateTempSubdirectory("rawscan-k8s-").FullName;
        try
        {
            // The shards' reports, where the scan pods write them (as the scan test checks), then the merge pod.
            string volume = Directory.CreateDirectory(Path.Combine(dir, "volume")).FullName;
            for (int index = 0; index < n; index++)
                Assert.Equal(0, RunPod(scan, program, volume, dir, new() { ["JOB_COMPLETION_INDEX"] = index.ToString(CultureInfo.InvariantCulture) }).Result.ExitCode);
            var reports = Enumerable.Range(1, n).Select(i => Path.Combine(volume, $"shard-{i}.json")).ToList();
            Assert.All(reports, f => Assert.True(File.Exists(f), $"{f} was not written"));

            var (r, args) = RunPod(merge, program, volume, dir, new());
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.NotNull(args);
            Assert.Equal("merge", args[0]);
            var inputs = args.Skip(1).TakeWhile(a => !a.StartsWith('-')).Order(StringComparer.Ordinal);
            Assert.Equal(reports.Order(StringComparer.Ordinal), inputs);
            Assert.StartsWith(volume + "/", DeployFiles.ValueOf(args, "-oJ"));
            Assert.StartsWith(volume + "/", DeployFiles.ValueOf(args, "-oX"));

            // Not while a shard has not completed (its place is still there), nor with one missing.
            File.WriteAllText(Path.Combine(volume, "shard-2.rawscan"), "{}");
            var (unfinished, none) = RunPod(merge, program, volume, dir, new());
            Assert.NotEqual(0, unfinished.ExitCode);
            Assert.Null(none);
            File.Delete(Path.Combine(volume, "shard-2.rawscan"));
            File.Delete(reports[^1]);
            var (missing, none2) = RunPod(merge, program, volume, dir, new());
            Assert.NotEqual(0, missing.ExitCode);
            Assert.Null(none2);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>What must be filled in is marked, with the warning about whose networks may be scanned.</summary>
    [Fact]
    public void TargetsPortsAndImageArePlaceholders()
    {
        var scan = PodOf(Load("scan-job.yaml"));
        var env = Seq(scan.Container, "env").ToDictionary(e => Scalar(e, "name")!, e => Scalar(e, "value"));
        Assert.StartsWith("REPLACE_WITH", env["TARGETS"]);
        Assert.StartsWith("REPLACE_WITH", env["PORTS"]);
        Assert.StartsWith("REPLACE_WITH", Scalar(scan.Container, "image"));
        Assert.StartsWith("REPLACE_WITH", Scalar(PodOf(Load("merge-job.yaml")).Container, "image"));
        Assert.Contains("only scan networks you are authorised to scan", File.ReadAllText(Manifest("scan-job.yaml")), StringComparison.OrdinalIgnoreCase);
    }

    [GeneratedRegex(@"--shard \$\(\(JOB_COMPLETION_INDEX ?\+ ?1\)\)/(\d+)(?!\d)")]
    private static partial Regex ShardArgument();

    [GeneratedRegex(@"--seed[ =](\S+)")]
    private static partial Regex SeedArgument();

    [GeneratedRegex(@"(?m)^COPY --from=\S+ \S+ (\S+)\s*$")]
    private static partial Regex FinalCopy();
}
