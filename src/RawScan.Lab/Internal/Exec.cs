using System.ComponentModel;
using System.Diagnostics;

namespace RawScan.Lab.Internal;

/// <summary>
/// Runs the lab's external commands (ip, ethtool, nft, sysctl) as argument lists, never through a
/// shell, so no name or address can be read as shell syntax.
/// </summary>
internal static class Exec
{
    /// <summary>Longer than any of these commands takes; a hung one must not hang <c>lab up</c>.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    internal readonly record struct Result(int ExitCode, string StdOut, string StdErr);

    /// <summary>Runs <paramref name="argv"/> and returns its stdout.</summary>
    /// <exception cref="LabException">It could not start, timed out or exited non-zero.</exception>
    public static string Run(params IReadOnlyList<string> argv) => RunWithInput(null, argv);

    /// <summary>As <see cref="Run"/>, writing <paramref name="stdin"/> to the command's standard input.</summary>
    public static string RunWithInput(string? stdin, params IReadOnlyList<string> argv)
    {
        var r = TryRun(stdin, argv);
        if (r.ExitCode != 0)
        {
            string output = r.StdErr.Trim().Length > 0 ? r.StdErr : r.StdOut;
            throw new LabException($"'{CommandLine(argv)}' failed (exit {r.ExitCode}): {OneLine(output)}");
        }
        return r.StdOut;
    }

    /// <summary>
    /// Runs <paramref name="argv"/> and returns how it ended, whatever the exit code: for probes and
    /// teardown, where a command failing is an answer rather than an error.
    /// </summary>
    /// <exception cref="LabException">It could not start (not installed) or timed out.</exception>
    public static Result TryRun(string? stdin, IReadOnlyList<string> argv)
    {
        var psi = new ProcessStartInfo(argv[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in argv.Skip(1)) psi.ArgumentList.Add(a);

        Process p;
        try
        {
            p = Process.Start(psi)!;
        }
        catch (Win32Exception e)
        {
            throw new LabException($"'{CommandLine(argv)}' could not start: {e.Message} (is {argv[0]} installed?)", e);
        }
        using (p)
        {
            // Both pipes are drained at once: a command that fills one while we block on the other
            // would never exit.
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (stdin is not null) p.StandardInput.Write(stdin);
            p.StandardInput.Close();
            if (!p.WaitForExit(Timeout))
            {
                p.Kill(entireProcessTree: true);
                throw new LabException($"'{CommandLine(argv)}' did not finish within {Timeout.TotalSeconds:0} s");
            }
            return new Result(p.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
        }
    }

    public static string CommandLine(IEnumerable<string> argv) =>
        string.Join(' ', argv.Select(a => a.Length > 0 && a.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,@%+".Contains(c)) ? a : $"\"{a}\""));

    /// <summary>Folds a command's multi-line output into one line for an error message.</summary>
    public static string OneLine(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(no output)" : string.Join(" / ", lines);
    }
}
