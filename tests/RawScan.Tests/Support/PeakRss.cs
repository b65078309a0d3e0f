using System.Diagnostics;
using System.Text.RegularExpressions;

namespace RawScan.Tests;

/// <summary>
/// Runs a command and reads its peak resident set: getrusage(RUSAGE_CHILDREN)'s ru_maxrss in a python3
/// that has no other child, which is the largest RSS of the command and of every process it waited for
/// (Linux carries cmaxrss up at each wait), so a --lab run's figure covers the scan it starts in the lab.
/// .NET's Process reaps its children itself and keeps no rusage, hence the wrapper.
/// </summary>
internal static partial class PeakRss
{
    public sealed record Result(int ExitCode, long PeakKb, string Stdout, string Stderr)
    {
        public double PeakMb => PeakKb / 1024.0;
    }

    private const string Script = """
        import resource, signal, subprocess, sys
        stop_after = float(sys.argv[1])
        p = subprocess.Popen(sys.argv[2:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            out, err = p.communicate(timeout=stop_after if stop_after > 0 else 300)
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGINT)
            out, err = p.communicate(timeout=60)
        sys.stdout.buffer.write(out)
        sys.stderr.buffer.write(err)
        sys.stderr.write("\npeak-rss-exit %d %d\n" % (p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
        """;

    /// <param name="interruptAfter">SIGINT after this long (a scan too long to finish); zero: run to the end.</param>
    public static Result Of(IEnumerable<string> command, string dir, TimeSpan interruptAfter = default)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["-c", Script, interruptAfter.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), .. command])
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(400_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{string.Join(' ', command)} did not exit");
        }
        var m = Marker().Match(stderr.Result);
        if (!m.Success) throw new InvalidOperationException($"no peak from the wrapper: {stderr.Result}");
        return new Result(int.Parse(m.Groups[1].Value), long.Parse(m.Groups[2].Value), stdout.Result, stderr.Result[..m.Index]);
    }

    [GeneratedRegex(@"\npeak-rss-exit (-?\d+) (\d+)\n$")]
    private static partial Regex Marker();
}
