using System.Diagnostics;
using Xunit;

namespace RawScan.Tests;

/// <summary>deploy/'s scripts and manifests, what the tests hand them, and how they run them.</summary>
internal static class DeployFiles
{
    /// <summary>The repository: the first folder above the tests that holds RawScan.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A file of the repository, by its path from the root.</summary>
    public static string At(string relative) => Path.Combine(Root, relative);

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "RawScan.sln"))) dir = dir.Parent;
        Assert.True(dir is not null, "RawScan.sln not found above the test directory");
        return dir.FullName;
    }

    /// <summary>
    /// The rawscan program as one absolute path, which is how the scripts, and Slurm's jobs, start it:
    /// the native program RAWSCAN_BIN names when the test run has one, else a script in
    /// <paramref name="dir"/> that execs the build's rawscan.dll under dotnet, as <see cref="Cli"/> runs it.
    /// </summary>
    public static string Program(string dir)
    {
        if (Cli.Native is { } bin) return bin;
        Assert.True(File.Exists(Cli.Dll), $"{Cli.Dll} is missing: the test project references the CLI so the build copies it");
        return Script(dir, "rawscan", $"#!/bin/sh\nexec {Quote(Dotnet())} {Quote(Cli.Dll)} \"$@\"\n");
    }

    /// <summary>
    /// A stand-in for rawscan that writes its arguments, one a line, to the file $STUB_LOG names, and
    /// creates (empty) each file it is given after -oJ: what a script would run, without running it.
    /// </summary>
    public static string Stub(string dir) => Script(dir, "rawscan-stub", """
        #!/bin/sh
        printf '%s\n' "$@" >"$STUB_LOG"
        while [ $# -gt 0 ]; do
            if [ "$1" = -oJ ]; then : >"$2"; fi
            shift
        done

        """);

    /// <summary>The arguments the stub was last given, or null if it did not run.</summary>
    public static string[]? StubArgs(string log) => File.Exists(log) ? File.ReadAllLines(log) : null;

    /// <summary>The value after <paramref name="option"/> in an argument list (the option given once).</summary>
    public static string ValueOf(IReadOnlyList<string> args, string option)
    {
        int i = Assert.Single(Enumerable.Range(0, args.Count), k => args[k] == option);
        Assert.True(i + 1 < args.Count, $"{option} has no value in: {string.Join(' ', args)}");
        return args[i + 1];
    }

    /// <summary>An executable script in <paramref name="dir"/>.</summary>
    public static string Script(string dir, string name, string text)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return path;
    }

    /// <summary>A word for a POSIX shell: single-quoted.</summary>
    public static string Quote(string word) => "'" + word.Replace("'", "'\\''") + "'";

    /// <summary>
    /// Runs <paramref name="file"/> with <paramref name="args"/>, standard output and error captured, with
    /// <paramref name="env"/> over the test's environment (a null value removes the variable); past the
    /// timeout it is killed, its whole tree, and the test fails saying so.
    /// </summary>
    public static Cli.Result Run(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string?> env, int timeoutMs)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env)
            if (v is null) psi.Environment.Remove(k);
            else psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{file} did not exit within {timeoutMs} ms");
        }
        return new Cli.Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>dotnet by its absolute path, from PATH, as the test itself was started.</summary>
    private static string Dotnet()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, "dotnet");
            if (File.Exists(candidate)) return candidate;
        }
        Assert.Fail("dotnet is not on PATH");
        return "";
    }
}
