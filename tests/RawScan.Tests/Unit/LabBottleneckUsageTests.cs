using RawScan.Lab;
using RawScan.Lab.Internal;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// <c>rawscan lab bottleneck</c>'s input and rules, without a lab: a bad PPS is refused by name with exit
/// 2 and one line; the policer is one nft rule on tgt0's ingress, replaced in one transaction.
/// </summary>
public class LabBottleneckUsageTests
{
    [Theory]
    [InlineData("1", 1)]
    [InlineData("50000", 50_000)]
    [InlineData("10000000", 10_000_000)]
    public void RatesParse(string token, long pps) => Assert.Equal(pps, LabManager.ParseBottleneckPps(token));

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("2.5")]
    [InlineData("20k")]
    [InlineData("10000001")]
    [InlineData("")]
    public void BadRatesAreRefusedByName(string token) =>
        Assert.Equal(token, Assert.Throws<BadInputException>(() => LabManager.ParseBottleneckPps(token)).Token);

    [Theory]
    [InlineData("bottleneck")]
    [InlineData("bottleneck abc")]
    [InlineData("bottleneck 0")]
    [InlineData("bottleneck -5")]
    [InlineData("bottleneck 5 6")]
    [InlineData("bottleneck 5 --rate 3")]
    [InlineData("bottleneck off --name Bad_Name")]
    public void BadUsageExits2(string args) => Assert.Equal(2, LabCommand.Run(args.Split(' '), ["/nonexistent/rawscan"]));

    [Fact]
    public void ABadRateIsOneLineNamingItWithExit2()
    {
        var r = Cli.Run(["lab", "bottleneck", "abc", "--name", "nolab"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.Equal(["rawscan lab: bad bottleneck rate 'abc': expected a whole number of packets/s from 1 to 10000000, or 'off'"],
            r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void ThePolicerIsALimitOnTgt0sIngressReplacedInOneTransaction()
    {
        string script = NftScripts.Bottleneck(LabSpec.Default, new LabBottleneck(BottleneckKind.Policer, 50_000));
        Assert.StartsWith("table netdev rawscan_bottleneck\ndelete table netdev rawscan_bottleneck\n", script);
        Assert.Contains("type filter hook ingress device \"tgt0\" priority filter;", script);
        Assert.Contains("meta l4proto { tcp, udp } counter\n", script);
        Assert.Contains("meta l4proto { tcp, udp } limit rate over 50000/second burst 1000 packets counter drop", script);
        string none = "table netdev rawscan_bottleneck\ndelete table netdev rawscan_bottleneck\n";
        Assert.Equal(none, NftScripts.Bottleneck(LabSpec.Default, null));
        Assert.Equal(none, NftScripts.Bottleneck(LabSpec.Default, new LabBottleneck(BottleneckKind.Queue, 50_000))); // tc's, not nft's
    }

    [Fact]
    public void SizesFollowTheRate()
    {
        var q = new LabBottleneck(BottleneckKind.Queue, 50_000);
        Assert.Equal(5_000, q.QueuePackets);                  // 100 ms
        Assert.Equal(51_200_000, q.RateBits);                 // 50,000 frames of 128 bytes
        Assert.Equal(6_400, q.ShaperBurstBytes);              // 1 ms
        Assert.Equal(8, new LabBottleneck(BottleneckKind.Policer, 100).BurstPackets);
        Assert.Equal(16, new LabBottleneck(BottleneckKind.Queue, 10).QueuePackets);
        Assert.Equal(2_048, new LabBottleneck(BottleneckKind.Queue, 10).ShaperBurstBytes);
    }
}
