using System.Globalization;
using System.Text.RegularExpressions;
using RawScan.Lab;
using RawScan.Lab.Internal;
using Xunit;
using Xunit.Abstractions;

namespace RawScan.Tests;

/// <summary>
/// <c>rawscan lab bottleneck PPS --queue</c>: beyond PPS the probes queue (the RTT rises, by up to the
/// queue's 100 ms) before any is dropped; below PPS nothing is dropped and everything is found.
/// </summary>
[Collection(LabScans.Name)]     // it measures RTTs: not beside another scan on the same two cores
public partial class LabBottleneckQueueTests(ITestOutputHelper output)
{
    private const long Pps = 20_000;

    [LabFact]
    public void TheQueueRaisesTheRttAboveItsRateAndDropsNothingBelowIt()
    {
        string name = LabManagerTests.UniqueName();
        var spec = LabSpec.For(name);
        string results = Path.Combine(Path.GetTempPath(), $"rawscan-queue-{name}.json");
        try
        {
            LabManager.Up(name, Cli.Command);
            var set = Cli.Run(["lab", "bottleneck", Pps.ToString(CultureInfo.InvariantCulture), "--queue", "--name", name]);
            Assert.True(set.ExitCode == 0, set.Stderr);
            Assert.Equal(new LabBottleneck(BottleneckKind.Queue, Pps), LabManager.Status(name)!.Bottleneck);
            Assert.Contains("bottleneck queue: packets entering the target are shaped to 20000/s behind a 2000-packet queue (100 ms",
                Cli.Run(["lab", "status", "--name", name]).Stdout);

            double idle = Ping(spec, 30).Max;

            // Above the rate: 131,072 probes at 50k/s, 2.6 s of sending, long enough that the ping below
            // (0.4 s, started once the queue has filled) runs inside it however quickly the scan starts.
            // A ping beside the scan waits in the same queue.
            var scan = Task.Run(() => Cli.Run(["scan", "--lab", name, "198.18.0.0/16", "-p", "80,443", "--rate", "50000", "--retries", "0", "--wait", "0.5", "-oJ", results]));
            // The ping starts once the scan's probes reach the shaper (rawscan's start-up takes half a
            // second, longer on a busy machine), not after a fixed sleep that a slow start outlasts.
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (Shaped(spec) < 2_000 && DateTime.UtcNow < until && !scan.IsCompleted) Thread.Sleep(10);
            var loaded = Ping(spec, 40);
            var r = scan.Result;
            Assert.True(r.ExitCode == 0, r.Stderr);
            double smoothed = double.Parse(SmoothedRtt().Match(r.Stderr).Groups[1].Value, CultureInfo.InvariantCulture);
            output.WriteLine($"queue {Pps}/s: ping idle max {idle:0.000} ms; beside a 50k/s scan avg {loaded.Avg:0.0} ms, max {loaded.Max:0.0} ms; "
                + $"the scan's smoothed RTT {smoothed} ms; tbf dropped {Dropped(spec)}");
            Assert.True(loaded.Max > 20 && loaded.Max > 10 * idle, $"the RTT did not rise: idle max {idle} ms, loaded max {loaded.Max} ms");
            Assert.True(smoothed > 10, $"the scan's smoothed RTT is {smoothed} ms");
            Assert.True(loaded.Max < 250, $"{loaded.Max} ms: more than the 100 ms queue and some");

            // Below the rate: 16,384 probes at 10k/s, no retransmission: all found, the queue dropped none.
            long droppedBefore = Dropped(spec);
            Assert.Equal(16_384, LabBottleneckPolicerTests.Scan(name, results, "198.18.64.0/18", "80", 10_000));
            Assert.Equal(droppedBefore, Dropped(spec));

            Assert.Equal(0, Cli.Run(["lab", "bottleneck", "off", "--name", name]).ExitCode);
            Assert.Null(LabManager.Status(name)!.Bottleneck);
            Assert.NotEqual(0, Exec.TryRun(null, ["ip", "netns", "exec", spec.TargetNamespace, "ip", "link", "show", "dev", LabManager.BottleneckDevice]).ExitCode);
            Assert.DoesNotContain("ingress", Exec.Run("ip", "netns", "exec", spec.TargetNamespace, "tc", "qdisc", "show", "dev", "tgt0"));
            Assert.True(Ping(spec, 30).Max < 20);

            // lab down takes a queue with it, and nothing of it is left on the host.
            LabManager.SetBottleneck(name, new LabBottleneck(BottleneckKind.Queue, Pps));
        }
        finally
        {
            LabManager.Down(name);
            File.Delete(results);
        }
        Assert.Null(LabManager.Status(name));
        Assert.DoesNotContain(LabManager.BottleneckDevice, Exec.Run("ip", "-o", "link", "show"));
    }

    /// <summary>COUNT pings, 10 ms apart, from the scanner namespace to a live address; their RTTs in ms.</summary>
    private static (double Avg, double Max) Ping(LabSpec spec, int count)
    {
        var r = Exec.TryRun(null, ["ip", "netns", "exec", spec.ScannerNamespace, "ping", "-c", count.ToString(CultureInfo.InvariantCulture),
            "-i", "0.01", "-W", "1", "-q", "198.18.200.1"]);
        var m = PingSummary().Match(r.StdOut);
        Assert.True(m.Success, r.StdOut + r.StdErr);
        return (double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>The packets the shaper's queue dropped (tbf's count).</summary>
    private static long Dropped(LabSpec spec) =>
        long.Parse(TbfDropped().Match(Exec.Run("ip", "netns", "exec", spec.TargetNamespace, "tc", "-s", "qdisc", "show", "dev", LabManager.BottleneckDevice))
            .Groups[1].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"= ([\d.]+)/([\d.]+)/([\d.]+)/")]
    private static partial Regex PingSummary();

    [GeneratedRegex(@"smoothed RTT ([\d.]+) ms")]
    private static partial Regex SmoothedRtt();

    [GeneratedRegex(@"qdisc tbf[^\n]*\n Sent \d+ bytes \d+ pkt \(dropped (\d+)")]
    private static partial Regex TbfDropped();

    /// <summary>The packets the shaper has passed so far.</summary>
    private static long Shaped(LabSpec spec) =>
        long.Parse(TbfSent().Match(Exec.Run("ip", "netns", "exec", spec.TargetNamespace, "tc", "-s", "qdisc", "show", "dev", LabManager.BottleneckDevice))
            .Groups[1].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"qdisc tbf[^\n]*\n Sent \d+ bytes (\d+) pkt")]
    private static partial Regex TbfSent();
}
