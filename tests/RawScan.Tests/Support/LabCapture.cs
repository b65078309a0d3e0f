using System.Diagnostics;
using RawScan.Lab;
using RawScan.Lab.Internal;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// tcpdump in a lab's namespace, the tests' one capture helper: an independent witness of what the
/// scanner put on the wire (on the target's side) or of what came back to it (on the scanner's side).
/// </summary>
internal static class LabCapture
{
    /// <summary>
    /// Captures frames matching <paramref name="filter"/> on the target's side (tgt0) while <paramref name="send"/>
    /// runs; returns tcpdump -vv -S's decoding (two lines an IP packet), or with <paramref name="verbose"/> false
    /// its one-line decoding (source and destination on the line that names the protocol).
    /// </summary>
    public static string[] While(LabInfo lab, string filter, Action send, bool verbose = true) => While(lab.TargetNamespace, "tgt0", filter, send, verbose);

    /// <summary>The same on the scanner's side (scan0), where replies arrive.</summary>
    public static string[] OnScanner(LabInfo lab, string filter, Action send, bool verbose = true) =>
        While(lab.ScannerNamespace, lab.ScannerInterface, filter, send, verbose);

    private static string[] While(string ns, string iface, string filter, Action send, bool verbose)
    {
        string pcap = Path.Combine(Path.GetTempPath(), $"rawscan-capture-{Guid.NewGuid():N}.pcap");
        var psi = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "netns", "exec", ns, "tcpdump", "-i", iface, "--immediate-mode", "-U", "-nn", "-B", "8192", "-w", pcap, filter })
            psi.ArgumentList.Add(a);
        using var tcpdump = Process.Start(psi)!;
        try
        {
            // tcpdump says "listening on" once its filter is in place: from then on nothing is missed.
            var ready = Task.Run(() => { string? l; while ((l = tcpdump.StandardError.ReadLine()) is not null) if (l.Contains("listening on")) return true; return false; });
            Assert.True(ready.Wait(TimeSpan.FromSeconds(15)) && ready.Result, "tcpdump did not start listening");
            send();
            Thread.Sleep(500);                     // frames still crossing the veth pair
            tcpdump.Kill();                        // --immediate-mode -U: every packet seen is already in the file
            tcpdump.WaitForExit();
            string[] read = verbose ? ["-r", pcap, "-nn", "-vv", "-S", "-t"] : ["-r", pcap, "-nn", "-t"];
            return Exec.Run(["tcpdump", .. read]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
        finally
        {
            if (!tcpdump.HasExited) tcpdump.Kill();
            File.Delete(pcap);
        }
    }
}
