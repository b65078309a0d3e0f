using System.Diagnostics;
using RawScan.Lab.Internal;
using RawScan.Output;
using RawScan.Results;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// A --banners scan killed outright (SIGKILL) at a random moment and resumed: every open port is
/// reported once, each with its banner (a port whose connection was still open at the kill is probed
/// again, never lost and never written twice), and the nftables table the killed scan left is removed.
/// </summary>
[Collection(LabScans.Name)]
public class LabBannerResumeTests(ScanLabFixture lab) : IClassFixture<ScanLabFixture>
{
    private const string Targets = "198.18.16.0/20", Ports = "22,80";

    [LabTheory]
    [InlineData(1)]
    [InlineData(2)]
    public void SigkillDuringABannerScanThenResumeKeepsEveryBannerOnce(int round)
    {
        var random = new Random(Environment.TickCount ^ (round * 7919));
        string dir = Directory.CreateTempSubdirectory("rawscan-banner-kill-").FullName;
        try
        {
            string json = Path.Combine(dir, "r.json");
            string[] scan = ["scan", Targets, "-p", Ports, "--banners", "--rate", "3000", "--wait", "1", "-oJ", json];
            int at = random.Next(900, 2500);
            bool killed = Run(dir, scan, at);
            if (killed && File.Exists(Path.Combine(dir, "paused.rawscan"))) Assert.False(Run(dir, ["scan", "--resume", "paused.rawscan"], 0));
            else if (killed) Assert.False(Run(dir, scan, 0));       // killed while starting: nothing kept, start again
            string how = killed ? $"killed after {at} ms, resumed" : "finished before the kill";

            var expected = lab.Truth!.Expect(TargetSet.Parse(Targets), PortSet.Parse(Ports), Protocol.Tcp)
                .Where(e => e.State == PortState.Open).Select(e => (e.Address, e.Port)).ToHashSet();
            var entries = ReportReader.ReadEntries(json, out _, out bool cut);
            Assert.False(cut, $"the report's last line is cut ({how})");
            var seen = new HashSet<(UInt128, ushort)>();
            foreach (var e in entries.Where(e => e.Result.State == PortState.Open))
            {
                Assert.True(seen.Add((e.Result.Address, e.Result.Port)), $"{e.Result} reported twice ({how})");
                Assert.True(e.Service is { Banner.Length: > 0 }, $"{e.Result} has no banner ({how})");
                Assert.Equal(e.Result.Port == 22 ? "ssh" : "http", e.Service!.Service);
            }
            Assert.True(expected.SetEquals(seen), $"{expected.Except(seen).Count()} open ports missing, {seen.Except(expected).Count()} not open ({how})");
            Assert.DoesNotContain("rawscan_banners", Exec.Run("ip", "netns", "exec", lab.Info!.ScannerNamespace, "nft", "list", "tables"));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private bool Run(string dir, string[] args, int killAfterMs) => KillableScan.Run(lab.Info!, dir, args, killAfterMs, out _);
}
