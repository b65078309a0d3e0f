using System.Diagnostics;

namespace RawScan.Tests;

/// <summary>Runs the rawscan CLI that the build put beside the tests.</summary>
internal static class Cli
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "rawscan.dll");
    public static IReadOnlyList<string> Command => ["dotnet", Dll];

    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(IEnumerable<string> args, int timeoutMs = 120_000)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"rawscan {string.Join(' ', args)} did not exit within {timeoutMs} ms");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>
    /// rawscan run in a network namespace by ip netns exec, in <paramref name="dir"/> (where it keeps its
    /// place), standard output and error redirected. ip netns exec becomes the scan, so a signal sent to
    /// the process reaches the scan itself, not a parent that would pass it on.
    /// </summary>
    public static ProcessStartInfo InNamespace(string ns, string dir, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("ip") { WorkingDirectory = dir, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in (string[])["netns", "exec", ns, "dotnet", Dll, .. args]) psi.ArgumentList.Add(a);
        return psi;
    }
}
