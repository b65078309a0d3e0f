using System.Text.RegularExpressions;
using RawScan.Lab.Internal;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// --banners' connections on the wire of a lab: the host's kernel resets none of them (a control scan
/// without --banners shows the capture would see its RSTs), each ends with our RST, and nothing is left
/// established or half-open on the target. Source ports outside the lab's own drop (61000-65535) so the
/// scanner namespace's kernel sees the target's segments, as a host's kernel would.
/// </summary>
[Collection(LabScans.Name)]
public partial class LabBannerConnectionTests(ScanLabFixture lab) : IClassFixture<ScanLabFixture>
{
    private const string Targets = "198.18.12.1-198.18.12.4", Ports = "25,3306";

    private string[] OurRsts(string[] extra, out Cli.Result result)
    {
        Cli.Result? r = null;
        var lines = LabCapture.OnScanner(lab.Info!, "tcp and src host 198.19.0.2 and tcp[tcpflags] & tcp-rst != 0",
            () => r = Cli.Run(["scan", "--lab", lab.Name, Targets, "-p", Ports, "--source-port", "40000-40999", "--seed", "3", .. extra]), verbose: false);
        result = r!;
        Assert.True(result.ExitCode == 0, result.Stderr);
        return lines;
    }

    [LabFact]
    public void TheKernelResetsNoBannerConnectionAndEveryOneEndsWithOurRst()
    {
        // Control: a SYN scan from these ports, whose SYN-ACKs the scanner's kernel answers with RSTs.
        var kernel = OurRsts([], out _);
        Assert.True(kernel.Length >= 8, $"the control scan's 8 SYN-ACKs drew {kernel.Length} kernel RSTs: the capture cannot tell");

        var rsts = OurRsts(["--banners", "--banner-wait", "0.3"], out var result);
        var summary = BannersLine().Match(result.Stderr);
        Assert.True(summary.Success, result.Stderr);
        // Every RST on the wire is one RawScan sent (the summary counts them), and every open port's connection got one.
        Assert.Equal(int.Parse(summary.Groups["rsts"].Value), rsts.Length);
        Assert.Equal(8, int.Parse(summary.Groups["ports"].Value));
        Assert.True(rsts.Length >= 8, string.Join('\n', rsts));
        NothingLeftOnTheTarget();
        // The rule that held the kernel back is gone with the scan.
        Assert.DoesNotContain("rawscan_banners", Exec.Run("ip", "netns", "exec", lab.Info!.ScannerNamespace, "nft", "list", "tables"));
    }

    [LabFact]
    public void AnIpv6BannerConnectionEndsWithOurRstToo()
    {
        var lines = LabCapture.OnScanner(lab.Info!, "ip6 and tcp", () =>
        {
            var r = Cli.Run(["scan", "--lab", lab.Name, "2001:db8:1::105", "-p", "25", "--banners", "--banner-wait", "0.3", "--source-port", "40000-40999"]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Contains("25/tcp", r.Stdout);
        }, verbose: false);
        // libpcap cannot read tcp[] over IPv6: the RST is found in the decoding.
        Assert.Contains(lines, l => l.Contains("2001:db8:1::105.25:") && l.Contains("Flags [R]"));
        NothingLeftOnTheTarget();
    }

    private void NothingLeftOnTheTarget()
    {
        Thread.Sleep(200);
        string ss = Exec.Run("ip", "netns", "exec", lab.Info!.TargetNamespace, "ss", "-tanH", "state", "all", "( dport >= :40000 and dport <= :40999 )");
        Assert.True(string.IsNullOrWhiteSpace(ss), $"left on the target:\n{ss}");
    }

    [GeneratedRegex(@"banners: \d+ of (?<ports>\d+) open TCP ports.*\((?<resent>\d+) resent, (?<rsts>\d+) RSTs\)")]
    private static partial Regex BannersLine();
}
