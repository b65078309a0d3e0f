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
        using var capture = Start(ns, iface, filter);
        send();
        Thread.Sleep(500);                         // frames still crossing the veth pair
        return capture.Stop(verbose ? ["-nn", "-vv", "-S", "-t"] : ["-nn", "-t"]);
    }

    /// <summary>
    /// tcpdump on <paramref name="iface"/> in <paramref name="ns"/>, listening when this returns, left running
    /// until <see cref="Running.Stop"/>: for a witness over many steps (a whole test class).
    /// </summary>
    /// <param name="inboundOnly">Only frames arriving on <paramref name="iface"/> (tcpdump -Q in): on tgt0, those the scanner's side sent.</param>
    public static Running Start(string ns, string iface, string filter, bool inboundOnly = false)
    {
        string pcap = Path.Combine(Path.GetTempPath(), $"rawscan-capture-{Guid.NewGuid():N}.pcap");
        var psi = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true };
        string[] direction = inboundOnly ? ["-Q", "in"] : [];
        foreach (var a in (string[])["netns", "exec", ns, "tcpdump", "-i", iface, .. direction, "--immediate-mode", "-U", "-nn", "-B", "8192", "-w", pcap, filter])
            psi.ArgumentList.Add(a);
        var running = new Running(Process.Start(psi)!, pcap);
        try
        {
            // tcpdump says "listening on" once its filter is in place: from then on nothing is missed.
            var tcpdump = running.Tcpdump;
            var ready = Task.Run(() => { string? l; while ((l = tcpdump.StandardError.ReadLine()) is not null) if (l.Contains("listening on")) return true; return false; });
            Assert.True(ready.Wait(TimeSpan.FromSeconds(15)) && ready.Result, "tcpdump did not start listening");
            return running;
        }
        catch
        {
            running.Dispose();
            throw;
        }
    }

    public sealed class Running(Process tcpdump, string pcap) : IDisposable
    {
        internal Process Tcpdump { get; } = tcpdump;

        /// <summary>Stops the capture and returns tcpdump -r's decoding of it with <paramref name="read"/>'s options, a line per entry.</summary>
        public string[] Stop(params string[] read)
        {
            if (!Tcpdump.HasExited) Tcpdump.Kill();   // --immediate-mode -U: every packet seen is already in the file
            Tcpdump.WaitForExit();
            return Exec.Run(["tcpdump", "-r", pcap, .. read]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }

        public void Dispose()
        {
            if (!Tcpdump.HasExited) Tcpdump.Kill();
            Tcpdump.Dispose();
            File.Delete(pcap);
        }
    }
}
