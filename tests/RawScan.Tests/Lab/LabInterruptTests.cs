using System.Diagnostics;
using RawScan.Lab.Internal;
using RawScan.Output;
using RawScan.Results;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// A --lab scan cut short, the way scripts and users cut them (issue 12): SIGTERM to the --lab
/// parent reaches the scan as SIGTERM, SIGKILL of the parent still ends the scan (it saves its
/// place), the hint it prints works as printed, and a resumed scan that completes removes its file.
/// </summary>
[Collection(LabScans.Name)]
public class LabInterruptTests(ScanLabFixture lab) : IClassFixture<ScanLabFixture>
{
    private const string Targets = "198.18.40.0/22", Ports = "1-20";        // 20,480 probes: 10 s at 2,000 pps

    /// <summary>Starts `rawscan scan --lab ...` in <paramref name="dir"/>, waits until it has sent some probes.</summary>
    private Process StartSlowScan(string dir, string json)
    {
        var psi = Cli.StartInfo(["scan", "--lab", lab.Name, Targets, "-p", Ports, "--rate", "2000", "-oJ", json, "--show", "closed"], dir);
        var p = Process.Start(psi)!;
        var until = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < until && (!File.Exists(json) || new FileInfo(json).Length < 20_000)) Thread.Sleep(50);
        Assert.True(File.Exists(json) && new FileInfo(json).Length >= 20_000, "the scan did not get going");
        return p;
    }

    private static int[] InnerScans(string marker) =>
        [.. Process.GetProcesses().Select(p => p.Id).Where(id => Cmdline(id).Contains(marker))];

    private static string Cmdline(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' '); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return "(gone)"; }
    }

    [LabFact]
    public void SigtermToTheLabParentStopsTheScanWhichSavesAHintThatWorksAsPrinted()
    {
        string dir = Directory.CreateTempSubdirectory("rawscan-term-").FullName;
        try
        {
            string json = Path.Combine(dir, "r.json"), errFile = Path.Combine(dir, "err.txt"), pidFile = Path.Combine(dir, "pid");
            // As a script runs it: a background job, in which SIGINT is ignored. A SIGTERM passed on as
            // SIGINT was lost there and the inner scan ran on.
            using var bash = Process.Start(new ProcessStartInfo("bash", ["-c",
                $"cd '{dir}'; {Cli.Shell} scan --lab {lab.Name} {Targets} -p {Ports} --rate 2000 -oJ '{json}' --show closed 2>'{errFile}' >/dev/null & echo $! > '{pidFile}'; wait"]))!;
            var until = DateTime.UtcNow.AddSeconds(20);
            while (DateTime.UtcNow < until && (!File.Exists(json) || new FileInfo(json).Length < 20_000)) Thread.Sleep(50);
            Assert.True(File.Exists(json) && new FileInfo(json).Length >= 20_000, "the scan did not get going");
            int pid = int.Parse(File.ReadAllText(pidFile).Trim());
            Exec.Run("kill", "-TERM", pid.ToString());
            Assert.True(bash.WaitForExit(20_000), "the --lab parent did not end after SIGTERM");
            var left = InnerScans(json);
            Assert.True(left.Length == 0, "still running: " + string.Join(" | ", left.Select(id => $"{id}: {Cmdline(id)}")));
            string err = File.ReadAllText(errFile);
            Assert.Contains("rawscan: interrupted", err);
            var hint = err.Split('\n').Single(l => l.Contains("finish with: "));
            string command = hint[(hint.IndexOf("finish with: ", StringComparison.Ordinal) + "finish with: ".Length)..].Trim();
            Assert.StartsWith($"rawscan scan --lab {lab.Name} --resume ", command);
            Assert.True(File.Exists(Path.Combine(dir, "paused.rawscan")));

            // Run exactly what was printed (rawscan = this build); the resumed scan completes and removes its file.
            var args = command.Split(' ')[1..];
            var psi = Cli.StartInfo(args, dir);             // its -oJ was saved: it appends
            using var again = Process.Start(psi)!;
            var err2 = again.StandardError.ReadToEndAsync();
            _ = again.StandardOutput.ReadToEndAsync();
            Assert.True(again.WaitForExit(60_000));
            Assert.True(again.ExitCode == 0, err2.Result);
            Assert.False(File.Exists(Path.Combine(dir, "paused.rawscan")), "a completed resume left its file: resuming again would send twice");

            // The two parts together: every probe's result exactly once (open and closed are listed).
            using var reader = File.OpenText(json);
            var results = JsonLinesWriter.Read(reader).Where(r => r.State is PortState.Open or PortState.Closed).ToList();
            Assert.Equal(results.Count, results.Select(r => (r.Address, r.Port)).Distinct().Count());
            Assert.Equal(1024 * 20, results.Count);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [LabFact]
    public void SigkillOfTheLabParentStillEndsTheScanWhichSavesItsPlace()
    {
        string dir = Directory.CreateTempSubdirectory("rawscan-kill-").FullName;
        try
        {
            string json = Path.Combine(dir, "k.json");
            using var p = StartSlowScan(dir, json);
            Assert.NotEmpty(InnerScans(json));
            p.Kill();                                               // SIGKILL: the parent cannot pass anything on
            p.WaitForExit();
            var until = DateTime.UtcNow.AddSeconds(20);
            while (DateTime.UtcNow < until && InnerScans(json).Length > 0) Thread.Sleep(100);
            Assert.Empty(InnerScans(json));                         // no orphaned scan
            Assert.True(File.Exists(Path.Combine(dir, "paused.rawscan")), "the scan did not save its place when its parent died");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>`rawscan scan ... | head -1`: the pipe's reader is gone; the scan stops, says so and saves its place.</summary>
    [LabFact]
    public void AClosedOutputPipeStopsTheScanWhichSavesItsPlace()
    {
        string dir = Directory.CreateTempSubdirectory("rawscan-pipe-").FullName;
        try
        {
            using var bash = Process.Start(new ProcessStartInfo("bash", ["-c",
                $"cd '{dir}'; {Cli.Shell} scan --lab {lab.Name} 198.18.64.0/18 -p 80 --rate 4000 2>err.txt | head -1 > first.txt; echo ${{PIPESTATUS[0]}} > rc.txt"]))!;
            Assert.True(bash.WaitForExit(30_000));
            string err = File.ReadAllText(Path.Combine(dir, "err.txt"));
            Assert.Equal("1", File.ReadAllText(Path.Combine(dir, "rc.txt")).Trim());
            Assert.Contains("a report could not be written, so the scan stopped: Broken pipe", err);
            Assert.StartsWith("198.18.", File.ReadAllText(Path.Combine(dir, "first.txt")));
            Assert.True(File.Exists(Path.Combine(dir, "paused.rawscan")), err);
            Assert.Contains("finish with: rawscan scan --lab", err);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>Two scans interrupted in one folder: the second does not overwrite the first's place, and says where its own is.</summary>
    [LabFact]
    public void TwoScansInterruptedInOneFolderKeepBothPlaces()
    {
        string dir = Directory.CreateTempSubdirectory("rawscan-two-").FullName;
        try
        {
            var hints = new List<string>();
            foreach (var (json, seed) in new[] { ("a.json", "11"), ("b.json", "22") })
            {
                var psi = Cli.StartInfo(["scan", "--lab", lab.Name, Targets, "-p", Ports, "--rate", "2000", "-oJ", json, "--show", "closed", "--seed", seed], dir);
                using var p = Process.Start(psi)!;
                var err = p.StandardError.ReadToEndAsync();
                _ = p.StandardOutput.ReadToEndAsync();
                string path = Path.Combine(dir, json);
                var until = DateTime.UtcNow.AddSeconds(20);
                while (DateTime.UtcNow < until && (!File.Exists(path) || new FileInfo(path).Length < 20_000)) Thread.Sleep(50);
                Exec.Run("kill", "-TERM", p.Id.ToString());
                Assert.True(p.WaitForExit(20_000));
                hints.Add(err.Result.Split('\n').Single(l => l.Contains("finish with: ")));
            }
            Assert.EndsWith("--resume paused.rawscan", hints[0]);
            Assert.EndsWith($"--resume paused-{22:x16}.rawscan", hints[1]);
            Assert.True(File.Exists(Path.Combine(dir, "paused.rawscan")));
            Assert.True(File.Exists(Path.Combine(dir, $"paused-{22:x16}.rawscan")));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [LabFact]
    public void AnInterfaceThatDoesNotExistIsBadInput()
    {
        var r = Cli.Run(["scan", "--lab", lab.Name, "198.18.0.1", "-p", "80", "-e", "nosuch0"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("bad interface 'nosuch0': no such interface here", r.Stderr);
    }
}
