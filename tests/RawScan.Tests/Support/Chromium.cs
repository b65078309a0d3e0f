using System.Diagnostics;
using System.Text;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// Debian's chromium, headless, with a fresh profile and everything that would reach the network off:
/// background networking, component updates, sync, QUIC. The pages it opens reference nothing.
/// Chromium is required, not optional: run-scan.sh installs it.
/// </summary>
internal static class Chromium
{
    /// <summary>Runs chromium with <paramref name="args"/>; its standard output, and how long it took from start to exit.</summary>
    public static (string Stdout, TimeSpan Elapsed) Run(string dir, TimeSpan limit, params string[] args)
    {
        string exe = Find() ?? throw new Xunit.Sdk.XunitException(
            "chromium not found on PATH: the HTML report test renders it in headless Chromium. run-scan.sh installs it (apt-get install -y chromium).");
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (string a in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps",
                     "--disable-extensions", "--disable-dev-shm-usage", "--no-default-browser-check",
                     $"--user-data-dir={Directory.CreateDirectory(Path.Combine(dir, $"profile-{Guid.NewGuid():N}")).FullName}"])
            psi.ArgumentList.Add(a);
        foreach (string a in args) psi.ArgumentList.Add(a);
        var clock = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"chromium did not finish in {limit.TotalSeconds} s: {stderr.Result}");
        }
        p.WaitForExit();
        var elapsed = clock.Elapsed;
        Assert.True(p.ExitCode == 0, $"chromium exited {p.ExitCode}: {stderr.Result}");
        return (stdout.Result, elapsed);
    }

    private static string? Find()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            foreach (string name in (string[])["chromium", "chromium-browser"])
                if (File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        return null;
    }
}

    /// <summary>Just enough of PNG (8-bit RGB or RGBA, not interlaced: what Chromium writes) to count colours.</summary>
