using System.Diagnostics;

namespace RawScan.Tests;

/// <summary>
/// Runs the rawscan CLI under test: the natively published program when RAWSCAN_BIN names it (what
/// `./run-scan.sh test`, and so CI, does: the tests exercise the program users run), else the build's
/// rawscan.dll beside the tests, under `dotnet` (a plain `dotnet test`).
/// </summary>
internal static class Cli
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "rawscan.dll");

    /// <summary>The native program, when the test run was given one.</summary>
    public static string? Native { get; } = FindNative();

    /// <summary>The command line that starts the program: [rawscan] or [dotnet, rawscan.dll].</summary>
    public static IReadOnlyList<string> Command => Native is { } bin ? [bin] : ["dotnet", Dll];

    /// <summary>The program to start (<see cref="Command"/>'s first word)...</summary>
    private static string Exe => Command[0];

    /// <summary>...and the words that go before its own arguments.</summary>
    private static string[] Prefix => [.. Command.Skip(1)];

    /// <summary><see cref="Command"/> for a bash command line, each word single-quoted.</summary>
    public static string Shell => string.Join(' ', Command.Select(w => $"'{w}'"));

    private static string? FindNative()
    {
        if (Environment.GetEnvironmentVariable("RAWSCAN_BIN") is not { Length: > 0 } bin) return null;
        // Named but missing is a broken test run, not a reason to test something else quietly.
        if (!File.Exists(bin)) throw new FileNotFoundException($"RAWSCAN_BIN names {bin}, which does not exist");
        return Path.GetFullPath(bin);
    }

    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>A ProcessStartInfo for the program with these arguments, its output redirected.</summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args, string? dir = null)
    {
        var psi = new ProcessStartInfo(Exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (dir is not null) psi.WorkingDirectory = dir;
        foreach (var a in Prefix.Concat(args)) psi.ArgumentList.Add(a);
        return psi;
    }

    public static Result Run(IEnumerable<string> args, int timeoutMs = 120_000)
    {
        using var p = Process.Start(StartInfo(args))!;
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
        foreach (var a in (string[])["netns", "exec", ns, .. Command, .. args]) psi.ArgumentList.Add(a);
        return psi;
    }
}
