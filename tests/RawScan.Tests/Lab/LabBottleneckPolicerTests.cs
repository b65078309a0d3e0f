using System.Diagnostics;
using System.Text.Json;
using RawScan.Lab;
using RawScan.Lab.Internal;
using RawScan.Output;
using RawScan.Results;
using Xunit;
using Xunit.Abstractions;

namespace RawScan.Tests;

/// <summary>
/// <c>rawscan lab bottleneck PPS</c>: a policer on the target's ingress holds the probes that reach
/// the target to PPS per second whatever the scanner sends, so a scan faster than it loses the
/// rest; a scan slower than it loses nothing; <c>off</c> gives the lossless lab back.
/// </summary>
[Collection(LabScans.Name)]     // it measures rates: not beside another scan on the same two cores
public class LabBottleneckPolicerTests(ITestOutputHelper output)
{
    private const long Pps = 20_000;

    [LabFact]
    public void ThePolicerHoldsItsRateAndOnlyAScanFasterThanItLoses()
    {
        string name = LabManagerTests.UniqueName();
        var spec = LabSpec.For(name);
        string results = Path.Combine(Path.GetTempPath(), $"rawscan-policer-{name}.json");
        try
        {
            Assert.Throws<InvalidOperationException>(() => LabManager.SetBottleneck(name, new LabBottleneck(BottleneckKind.Policer, Pps))); // not up
            LabManager.Up(name, Cli.Command);
            Assert.Null(LabManager.Status(name)!.Bottleneck);

            // One at a time: a queue first, then the policer replaces it (its ifb and ingress qdisc go).
            Assert.Equal(0, Cli.Run(["lab", "bottleneck", "5000", "--queue", "--name", name]).ExitCode);
            var set = Cli.Run(["lab", "bottleneck", Pps.ToString(), "--name", name]);
            Assert.True(set.ExitCode == 0, set.Stderr);
            Assert.NotEqual(0, Exec.TryRun(null, ["ip", "netns", "exec", spec.TargetNamespace, "ip", "link", "show", "dev", LabManager.BottleneckDevice]).ExitCode);
            Assert.DoesNotContain("ingress", Exec.Run("ip", "netns", "exec", spec.TargetNamespace, "tc", "qdisc", "show", "dev", "tgt0"));
            Assert.Equal(new LabBottleneck(BottleneckKind.Policer, Pps), LabManager.Status(name)!.Bottleneck);
            Assert.Contains("bottleneck policer: TCP and UDP packets entering the target beyond 20000/s are dropped",
                Cli.Run(["lab", "status", "--name", name]).Stdout);

            // 131,072 probes offered at 100k/s (1.3 s of sending): what reaches the target, sampled
            // every 100 ms, passes at the policer's rate; everything above it was dropped.
            var samples = new List<(double T, long Arrived, long Dropped)>();
            var clock = Stopwatch.StartNew();
            var scan = Task.Run(() => Scan(name, results, "198.18.0.0/16", "80,443", 100_000));
            while (!scan.IsCompleted)
            {
                var (arrived, dropped) = Counters(spec);
                samples.Add((clock.Elapsed.TotalSeconds, arrived, dropped));
                Thread.Sleep(100);
            }
            int found = scan.Result;
            var final = Counters(spec);
            Assert.Equal(131_072, final.Arrived);
            // The sending window: from the first sample that saw probes to the last that saw more coming.
            var active = samples.Where(s => s.Arrived > 0 && s.Arrived < final.Arrived).ToList();
            Assert.True(active.Count >= 2, $"only {active.Count} samples while the probes arrived");
            var (first, last) = (active[0], active[^1]);
            double window = last.T - first.T;
            double passedPerSecond = (last.Arrived - last.Dropped - (first.Arrived - first.Dropped)) / window;
            double offeredPerSecond = (last.Arrived - first.Arrived) / window;
            output.WriteLine($"policer {Pps}/s: {offeredPerSecond:0} probes/s offered, {passedPerSecond:0}/s reached the target over {window:0.00} s; "
                + $"{final.Arrived - final.Dropped} of {final.Arrived} passed; {found} found open");
            Assert.True(window >= 0.5, $"the probes arrived over only {window:0.00} s");
            Assert.True(offeredPerSecond > 2 * Pps, $"only {offeredPerSecond:0} probes/s offered: the policer was not tested");
            // Never above the rate. Below it by as much as the sender is bursty: the lab's limit keeps a
            // bucket of 20 ms of its rate (400 packets), so the tokens of a longer gap in the sending (its
            // thread descheduled on a loaded two-core machine, then a catching-up burst) are lost: a fresh-clone CI run passed 12.9k/s of a
            // 20k/s policer while offered 64k/s in such bursts.
            Assert.InRange(passedPerSecond, 0.5 * Pps, 1.1 * Pps);
            // Every probe that passed was answered (130,688 of the 131,072 pairs are open; the rest filtered),
            // but for the few a loaded two-core machine loses on the way back (a fresh-clone run: 25,361 of 26,978).
            Assert.InRange(found, (final.Arrived - final.Dropped) * 0.9 - 384, final.Arrived - final.Dropped);
            Assert.True(found < 131_072 / 2, $"{found} found through a policer at a fifth of the rate");

            // Below the rate, everything is found: 16,384 probes at 10k/s (one retransmission allowed:
            // the scanner's limiter may catch up after a stall of its thread in a burst above the policer's).
            Assert.Equal(16_384, Scan(name, results, "198.18.64.0/18", "80", 10_000, "--retries", "1"));
            output.WriteLine($"at 10k/s: all 16384 found, {Counters(spec).Dropped - final.Dropped} probes dropped by the policer");

            // Both families, TCP and UDP: 4,096 probes at 50k/s through a 1,000/s policer find a fraction.
            LabManager.SetBottleneck(name, new LabBottleneck(BottleneckKind.Policer, 1_000));
            int six = Scan(name, results, "2001:db8:1::/117", "T:80,U:53", 50_000, "-sS", "-sU");
            int udp4 = Scan(name, results, "198.18.128.0/20", "U:53", 50_000, "-sU");
            output.WriteLine($"policer 1000/s: {six} of 4096 found over IPv6 (TCP 80, UDP 53), {udp4} of 4096 over IPv4 UDP 53");
            Assert.InRange(six, 1, 4096 / 4);
            Assert.InRange(udp4, 1, 4096 / 4);

            var off = Cli.Run(["lab", "bottleneck", "off", "--name", name]);
            Assert.True(off.ExitCode == 0, off.Stderr);
            Assert.Null(LabManager.Status(name)!.Bottleneck);
            Assert.False(File.Exists(LabManager.BottleneckPath(name)));
            Assert.NotEqual(0, Exec.TryRun(null, ["ip", "netns", "exec", spec.TargetNamespace, "nft", "list", "table", "netdev", NftScripts.BottleneckTable]).ExitCode);
            Assert.Contains("bottleneck none", Cli.Run(["lab", "status", "--name", name]).Stdout);
            Assert.Equal(65_536, Scan(name, results, "198.18.0.0/16", "80", 100_000));
            LabManager.SetBottleneck(name, null); // removing none is fine too
        }
        finally
        {
            LabManager.Down(name);
            File.Delete(results);
        }
        Assert.Null(LabManager.Status(name));
    }

    /// <summary>A scan without retransmission unless <paramref name="more"/> says (a probe the policer dropped stays lost); returns how many were found open.</summary>
    internal static int Scan(string name, string results, string targets, string ports, int rate, params string[] more)
    {
        File.Delete(results);
        string[] retries = more.Contains("--retries") ? [] : ["--retries", "0"];
        var r = Cli.Run(["scan", "--lab", name, targets, "-p", ports, .. more, .. retries, "--rate", rate.ToString(), "--wait", "0.5", "-oJ", results]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var reader = File.OpenText(results);
        return JsonLinesWriter.Read(reader).Count(p => p.State == PortState.Open);
    }

    /// <summary>The policer table's two counters: TCP and UDP packets that arrived on tgt0, and those the policer dropped.</summary>
    private static (long Arrived, long Dropped) Counters(LabSpec spec)
    {
        using var doc = JsonDocument.Parse(Exec.Run("ip", "netns", "exec", spec.TargetNamespace, "nft", "-j", "list", "table", "netdev", NftScripts.BottleneckTable));
        var counts = new List<long>();
        foreach (var item in doc.RootElement.GetProperty("nftables").EnumerateArray())
            if (item.TryGetProperty("rule", out var rule))
                foreach (var expr in rule.GetProperty("expr").EnumerateArray())
                    if (expr.TryGetProperty("counter", out var c)) counts.Add(c.GetProperty("packets").GetInt64());
        Assert.Equal(2, counts.Count);
        return (counts[0], counts[1]);
    }
}
