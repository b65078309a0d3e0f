using System.Diagnostics;
using RawScan.Lab;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// rawscan run in a lab's scanner namespace (ip netns exec becomes the scan: a kill reaches it, not a
/// parent), in a folder of its own, SIGKILLed after a while unless it has ended: the kill-and-resume tests' one runner.
/// </summary>
internal static class KillableScan
{
    /// <summary>Runs the scan; SIGKILLs it after <paramref name="killAfterMs"/> (0: never). Whether it was killed.</summary>
    public static bool Run(LabInfo lab, string dir, string[] args, int killAfterMs, out string stderr)
    {
        using var p = Process.Start(Cli.InNamespace(lab.ScannerNamespace, dir, args))!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEndAsync();
        bool killed = false;
        if (killAfterMs > 0 && !p.WaitForExit(killAfterMs))
        {
            p.Kill();                                               // SIGKILL: no handler runs
            killed = true;
        }
        Assert.True(p.WaitForExit(120_000), "the scan did not end");
        stderr = err.Result;
        _ = output.Result;
        Assert.DoesNotContain("   at ", stderr);
        if (!killed) Assert.True(p.ExitCode == 0, stderr);
        return killed;
    }
}
