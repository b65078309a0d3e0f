using System.Security.Cryptography;
using RawScan.Lab;
using RawScan.Lab.Internal;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// Real labs, built and torn down: isolation of the scanner namespace, the open, closed and filtered
/// ports seen from it, and that nothing is left behind. Each test uses a name of its own, so
/// concurrent test runs (and the scan tests' lab) do not collide.
/// </summary>
public class LabManagerTests
{
    internal static string UniqueName() => "t" + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();

    /// <summary>The rawscan CLI under test (<see cref="Cli"/>): the lab runs it as <c>lab serve</c>.</summary>
    private static IReadOnlyList<string> Self
    {
        get
        {
            Assert.True(File.Exists(Cli.Command[^1]), $"{Cli.Command[^1]} is missing: the test project references the CLI so the build copies it");
            return Cli.Command;
        }
    }

    [LabFact]
    public void UpBuildsAnIsolatedLabThatAnswersAsItsTruthSays()
    {
        string name = UniqueName();
        var spec = LabSpec.For(name);
        string scan = spec.ScannerNamespace, target = spec.TargetNamespace;
        try
        {
            var info = LabManager.Up(name, Self);
            Assert.True(info.ServeAlive, "the serve process is not running");
            Assert.Equal(info, LabManager.Status(name));
            Assert.Contains(LabManager.List(), l => l.Name == name);
            Assert.Equal(LabTruth.FromSpec(spec).ToJson(), LabTruth.Load(info.TruthPath).ToJson());

            // Isolation: one route (the live range via the target), no default, no link but the veth.
            string routes = Exec.Run("ip", "netns", "exec", scan, "ip", "route");
            Assert.DoesNotContain("default", routes);
            Assert.Equal(["198.18.0.0/16 via 198.19.0.1 dev scan0", "198.19.0.0/24 dev scan0 proto kernel scope link src 198.19.0.2"],
                routes.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            var links = Exec.Run("ip", "-n", scan, "-o", "link", "show").Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split(':')[1].Trim().Split('@')[0]).ToList();
            Assert.Equal(["lo", "scan0"], links);
            Assert.Contains("generic-receive-offload: off", Exec.Run("ip", "netns", "exec", scan, "ethtool", "-k", "scan0"));
            Assert.Contains("tx-checksumming: off", Exec.Run("ip", "netns", "exec", target, "ethtool", "-k", "tgt0"));
            // The target's receive work is spread over every CPU (RPS), not left on the sender's core.
            Assert.NotEqual(0, Convert.ToInt64(Exec.Run("ip", "netns", "exec", target, "cat", "/sys/class/net/tgt0/queues/rx-0/rps_cpus").Trim().Replace(",", ""), 16));

            Assert.Equal(0, Connect(scan, "198.18.7.9", 80).ExitCode);             // open
            Assert.Equal(0, Connect(scan, "198.18.255.255", 31337).ExitCode);      // open on every live address
            var closed = Connect(scan, "198.18.7.9", 81);
            Assert.Equal(1, closed.ExitCode);                                      // closed: refused at once
            Assert.Contains("Connection refused", closed.StdErr);
            Assert.Equal(124, Connect(scan, "198.18.0.200", 22).ExitCode);         // filtered: timeout's exit
            Assert.Equal(0, Connect(scan, "198.18.3.7", 80).ExitCode);             // the firewalled /24 lets 80 in
            Assert.Equal(124, Connect(scan, "198.18.3.7", 81).ExitCode);

            Assert.Throws<InvalidOperationException>(() => LabManager.Up(name, Self));

            var pids = Netns.Pids(scan).Concat(Netns.Pids(target)).ToList();
            Assert.Contains(info.ServePid!.Value, pids);
            Assert.True(LabManager.Down(name));

            var namespaces = Netns.List();
            Assert.DoesNotContain(scan, namespaces);
            Assert.DoesNotContain(target, namespaces);
            Assert.False(Directory.Exists(LabManager.StateDirectory(name)));
            Assert.Null(LabManager.Status(name));
            Assert.All(pids, pid => Assert.True(Gone(pid), $"process {pid} of the lab is still alive"));
            Assert.False(LabManager.Down(name));
        }
        finally
        {
            LabManager.Down(name);
        }
    }

    /// <summary>What a --lab scan checks before it starts (one ip run, not Status's four): the same lab, the same verdict on its link.</summary>
    [LabFact]
    public void ScanSideAgreesWithStatus()
    {
        string name = UniqueName();
        try
        {
            Assert.Null(LabManager.ScanSide(name));
            var info = LabManager.Up(name, Self);
            Assert.True(Netns.Exists(info.ScannerNamespace) && Netns.List().Contains(info.ScannerNamespace));
            Assert.False(Netns.Exists(info.ScannerNamespace + "x"));
            Assert.Equal(new LabScanSide(info.ScannerNamespace, info.ScannerInterface, Broken: false), LabManager.ScanSide(name));

            Exec.Run("ip", "-n", info.ScannerNamespace, "link", "del", info.ScannerInterface);
            Assert.True(LabManager.Status(name)!.Broken);
            Assert.True(LabManager.ScanSide(name)!.Broken);
            var refused = Cli.Run(["scan", "--lab", name, "198.18.0.1", "-p", "80"]);
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains($"lab '{name}' is broken", refused.Stderr);

            Assert.True(LabManager.Down(name));
            Assert.Null(LabManager.ScanSide(name));
        }
        finally
        {
            LabManager.Down(name);
        }
    }

    [LabFact]
    public void TwoLabsAtOnceDoNotCollide()
    {
        string a = UniqueName(), b = UniqueName();
        try
        {
            LabManager.Up(a, Self);
            LabManager.Up(b, Self);
            Assert.Equal(0, Connect(LabSpec.For(a).ScannerNamespace, "198.18.1.1", 443).ExitCode);
            Assert.Equal(0, Connect(LabSpec.For(b).ScannerNamespace, "198.18.1.1", 443).ExitCode);
            Assert.True(LabManager.Down(a));
            Assert.NotNull(LabManager.Status(b));
            Assert.Equal(0, Connect(LabSpec.For(b).ScannerNamespace, "198.18.1.1", 443).ExitCode);
        }
        finally
        {
            LabManager.Down(a);
            LabManager.Down(b);
        }
    }

    [LabFact]
    public void FailedUpRemovesWhatItMadeAndSaysWhy()
    {
        string name = UniqueName();
        var spec = LabSpec.For(name);
        try
        {
            var e = Assert.Throws<LabException>(() => LabManager.Up(name, ["/nonexistent/rawscan"]));
            Assert.Contains("/nonexistent/rawscan", e.Message);
            Assert.Contains("No such file or directory", e.Message);
            Assert.DoesNotContain('\n', e.Message);
            var namespaces = Netns.List();
            Assert.DoesNotContain(spec.ScannerNamespace, namespaces);
            Assert.DoesNotContain(spec.TargetNamespace, namespaces);
            Assert.False(Directory.Exists(LabManager.StateDirectory(name)));
        }
        finally
        {
            LabManager.Down(name);
        }
    }

    [LabFact]
    public void DownRemovesAPartialLab()
    {
        string name = UniqueName();
        var spec = LabSpec.For(name);
        try
        {
            Exec.Run("ip", "netns", "add", spec.TargetNamespace);
            Directory.CreateDirectory(LabManager.StateDirectory(name));
            Assert.Null(LabManager.Status(name));
            Assert.Throws<InvalidOperationException>(() => LabManager.Up(name, Self));
            Assert.True(LabManager.Down(name));
            Assert.DoesNotContain(spec.TargetNamespace, Netns.List());
            Assert.False(Directory.Exists(LabManager.StateDirectory(name)));
        }
        finally
        {
            LabManager.Down(name);
        }
    }

    /// <summary>A TCP connect from inside <paramref name="ns"/>: exit 0 connected, 1 refused, 124 no answer in 2 s.</summary>
    private static Exec.Result Connect(string ns, string address, int port) =>
        Exec.TryRun(null, ["ip", "netns", "exec", ns, "timeout", "2", "bash", "-c", $"exec 3<>/dev/tcp/{address}/{port}"]);

    /// <summary>The process has exited and been reaped (a zombie has left its namespace already, but is waited for here).</summary>
    private static bool Gone(int pid)
    {
        var deadline = DateTime.UtcNow.AddSeconds(2);
        while (Directory.Exists($"/proc/{pid}"))
        {
            if (DateTime.UtcNow > deadline) return false;
            Thread.Sleep(20);
        }
        return true;
    }
}
