using System.Text.Json;
using RawScan.Lab.Internal;
using RawScan.Results;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// A --banners sweep of the lab (every address greets on 22 and answers HTTP on 80): every open port
/// the truth has is reported once, each with its banner and the service it names, whatever the
/// connections' limit (a small one makes most connections wait their turn), and nothing is left on the target.
/// </summary>
[Collection(LabScans.Name)]
public class LabBannerSweepTests(ScanLabFixture lab) : IClassFixture<ScanLabFixture>
{
    [LabTheory]
    [InlineData("198.18.16.0/22", "4096")]
    [InlineData("198.18.0.0/24", "16")]       // the /24 holds the filtered 198.18.0.128/25 x 22
    public void EveryOpenPortOfASweepComesWithItsBanner(string targets, string connections)
    {
        string json = Path.GetTempFileName();
        try
        {
            var r = Cli.Run(["scan", "--lab", lab.Name, targets, "-p", "22,80", "--banners", "--banner-connections", connections, "--rate", "max", "-oJ", json]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            var expected = lab.Truth!.Expect(TargetSet.Parse(targets), PortSet.Parse("22,80"), Protocol.Tcp)
                .Where(e => e.State == PortState.Open).Select(e => (Ip.Format(e.Address), e.Port)).ToHashSet();
            var lines = File.ReadAllLines(json).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            var open = lines.Where(e => e.GetProperty("state").GetString() == "open").ToList();
            Assert.Equal(expected.Count, open.Count);
            Assert.True(expected.SetEquals(open.Select(e => (e.GetProperty("ip").GetString()!, e.GetProperty("port").GetUInt16()))));
            foreach (var e in open)
            {
                ushort port = e.GetProperty("port").GetUInt16();
                string banner = e.GetProperty("banner").GetString()!;
                Assert.Equal(port == 22 ? "ssh" : "http", e.GetProperty("detected_service").GetString());
                Assert.StartsWith(port == 22 ? "SSH-2.0-RawScanLab" : "HTTP/1.1 200 OK", banner);
                Assert.Equal("probed", e.GetProperty("method").GetString());
            }
            Assert.Contains($"banners: {expected.Count} of {expected.Count} open TCP ports answered", r.Stderr);
            Thread.Sleep(200);
            string ss = Exec.Run("ip", "netns", "exec", lab.Info!.TargetNamespace, "ss", "-tanH", "state", "all", "( dport >= :61000 )");
            Assert.True(string.IsNullOrWhiteSpace(ss), $"left on the target:\n{ss}");
        }
        finally { File.Delete(json); }
    }
}
