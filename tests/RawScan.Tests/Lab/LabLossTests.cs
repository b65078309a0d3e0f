using System.Text.Json;
using RawScan.Lab;
using RawScan.Lab.Internal;
using RawScan.Output;
using RawScan.Results;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// <c>rawscan lab loss</c>: probes entering the target are dropped at random, by nftables' numgen
/// (no netem here), and a scan finds what got through; 0 restores a lossless lab.
/// </summary>
public class LabLossTests
{
    [Theory]
    [InlineData("0", 0)]
    [InlineData("5", 5)]
    [InlineData("2.5", 2.5)]
    [InlineData("0.29", 0.29)] // 28.999999999999996 steps in floating point: still exactly 29
    [InlineData("100", 100)]
    public void PercentagesParse(string token, double percent) => Assert.Equal(percent, LabManager.ParseLossPercent(token));

    [Theory]
    [InlineData("150")]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("2.555")]
    [InlineData("5%")]
    [InlineData("1e1")]
    [InlineData("NaN")]
    [InlineData("")]
    public void BadPercentagesAreRefusedByName(string token)
    {
        var e = Assert.Throws<BadInputException>(() => LabManager.ParseLossPercent(token));
        Assert.Equal(token, e.Token);
    }

    [Theory]
    [InlineData("loss")]
    [InlineData("loss 150")]
    [InlineData("loss abc")]
    [InlineData("loss -1")]
    [InlineData("loss 5 6")]
    [InlineData("loss 5 --rate 3")]
    public void BadLossUsageExits2(string args) =>
        Assert.Equal(2, LabCommand.Run(args.Split(' '), ["/nonexistent/rawscan"]));

    [Fact]
    public void TheRuleDropsPercentTimes100InTenThousandOnTheLinkOnly()
    {
        string script = NftScripts.Loss(LabSpec.Default, 250);
        Assert.StartsWith("table inet rawscan_loss\ndelete table inet rawscan_loss\n", script); // replaced in one transaction
        Assert.Contains("type filter hook prerouting priority -300;", script);
        Assert.Contains("iifname \"tgt0\" meta l4proto { tcp, udp } numgen random mod 10000 < 250 counter drop", script);
        Assert.Equal("table inet rawscan_loss\ndelete table inet rawscan_loss\n", NftScripts.Loss(LabSpec.Default, 0));
    }

    [LabFact]
    public void ScansFindWhatTheLossLetsThroughAndEverythingWithoutIt()
    {
        string name = LabManagerTests.UniqueName();
        var spec = LabSpec.For(name);
        string results = Path.Combine(Path.GetTempPath(), $"rawscan-loss-{name}.json");
        try
        {
            Assert.Throws<InvalidOperationException>(() => LabManager.SetLoss(name, 5)); // not up
            var lab = LabManager.Up(name, Cli.Command);
            Assert.Equal(0, lab.LossPercent);

            LabManager.SetLoss(name, 5);
            LabManager.SetLoss(name, 20); // replaces: one table, one rule, the new value
            Assert.Equal(20, LabManager.Status(name)!.LossPercent);
            Assert.Equal("20\n", File.ReadAllText(LabManager.LossPath(name)));
            Assert.Contains("20% of TCP and UDP", Cli.Run(["lab", "status", "--name", name]).Stdout);
            Assert.Equal(new long[] { 2000 }, LossRules(spec).Select(r => r.Limit).ToArray());

            int found = Scan(name, results);
            long dropped = LossRules(spec).Single().Packets;
            // 1024 probes, each dropped with p = 0.2: 819 expected, sd 12.8, so 70-90% is over 7 sd either side.
            Assert.InRange(found, 717, 921);
            // Nothing else is lost: every probe the rule let through was answered and found.
            Assert.Equal(1024, found + dropped);

            LabManager.SetLoss(name, 0);
            Assert.Equal(0, LabManager.Status(name)!.LossPercent);
            Assert.False(File.Exists(LabManager.LossPath(name)));
            Assert.NotEqual(0, Exec.TryRun(null, ["ip", "netns", "exec", spec.TargetNamespace, "nft", "list", "table", "inet", "rawscan_loss"]).ExitCode);
            Assert.Equal(1024, Scan(name, results));
            LabManager.SetLoss(name, 0); // removing no loss is fine too
        }
        finally
        {
            LabManager.Down(name);
            File.Delete(results);
        }
        Assert.Null(LabManager.Status(name));
    }

    /// <summary>198.18.0.0/22 port 80 (1024 open pairs, no retransmission); returns how many were found open.</summary>
    private static int Scan(string name, string results)
    {
        File.Delete(results);
        List<string> args = ["scan", "--lab", name, "198.18.0.0/22", "-p", "80", "--rate", "20000", "--wait", "0.5", "-oJ", results];
        // A lost probe must stay lost: retransmission (where the scanner has it) would hide the loss.
        if (Cli.Run(["scan", "--help"]).Stdout.Contains("--retries")) args.AddRange(["--retries", "0"]);
        var r = Cli.Run(args);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var reader = File.OpenText(results);
        return JsonLinesWriter.Read(reader).Count(p => p.State == PortState.Open && p.Port == 80);
    }

    private sealed record LossRule(long Limit, long Packets);

    /// <summary>The loss table's rules, as nft -j lists them: the numgen limit and the counter's packets.</summary>
    private static List<LossRule> LossRules(LabSpec spec)
    {
        using var doc = JsonDocument.Parse(Exec.Run("ip", "netns", "exec", spec.TargetNamespace, "nft", "-j", "list", "table", "inet", "rawscan_loss"));
        var rules = new List<LossRule>();
        foreach (var item in doc.RootElement.GetProperty("nftables").EnumerateArray())
        {
            if (!item.TryGetProperty("rule", out var rule)) continue;
            long limit = -1, packets = -1;
            foreach (var expr in rule.GetProperty("expr").EnumerateArray())
            {
                if (expr.TryGetProperty("match", out var m) && m.GetProperty("left").TryGetProperty("numgen", out _))
                    limit = m.GetProperty("right").GetInt64();
                if (expr.TryGetProperty("counter", out var c)) packets = c.GetProperty("packets").GetInt64();
            }
            rules.Add(new LossRule(limit, packets));
        }
        return rules;
    }
}
