using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

public class TargetParsingTests
{
    [Theory]
    [InlineData("198.18.0.1", 1)]
    [InlineData("198.18.0.0/16", 65536)]
    [InlineData("198.18.0.0/33x", -1)]
    [InlineData("198.18.0.10-198.18.0.19", 10)]
    [InlineData("198.18.0.0/24,198.18.0.5", 256)]
    [InlineData("0.0.0.0/0", 4294967296)]
    public void CountsAddressesWithoutExpanding(string text, long expected)
    {
        if (expected < 0) { Assert.Throws<BadInputException>(() => TargetSet.Parse(text)); return; }
        Assert.Equal((ulong)expected, TargetSet.Parse(text).Count);
    }

    [Theory]
    [InlineData("198.18.0.0/33", "198.18.0.0/33")]
    [InlineData("198.18.1", "198.18.1")]               // no shorthand forms are guessed
    [InlineData("10.1", "10.1")]
    [InlineData("198.18.0.256", "198.18.0.256")]
    [InlineData("198.18.0.01", "198.18.0.01")]         // leading zero: octal to inet_aton, refused
    [InlineData("198.18.0.1/", "198.18.0.1/")]
    [InlineData("198.18.0.1/-1", "198.18.0.1/-1")]
    [InlineData("198.18.0.9-198.18.0.1", "198.18.0.9-198.18.0.1")]
    [InlineData("198.18.0.1,,example.com", "example.com")]
    [InlineData("198.18.0.1-5", "198.18.0.1-5")]
    public void RejectsBadTargetsNamingTheToken(string text, string token)
    {
        var e = Assert.Throws<BadInputException>(() => TargetSet.Parse(text));
        Assert.Equal(token, e.Token);
        Assert.Contains($"'{token}'", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void CidrIsAlignedToItsPrefix()
    {
        var t = TargetSet.Parse("198.18.7.9/24");
        Assert.Equal("198.18.7.0-198.18.7.255", t.ToString());
    }

    [Fact]
    public void OverlappingRangesMergeAndIndexInOrder()
    {
        var t = TargetSet.Parse(["198.18.0.10-198.18.0.20", "198.18.0.15-198.18.0.30", "198.18.1.0/30", "198.18.0.31"]);
        Assert.Equal(2, t.Ranges.Count);
        Assert.Equal((UInt128)(22 + 4), t.Count);
        var all = Enumerable.Range(0, (int)t.Count).Select(i => t[(ulong)i]).ToList();
        Assert.Equal(all.OrderBy(x => x), all);
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.All(all, a => Assert.True(t.Contains(a)));
        Assert.Equal(Ip.V4(Ipv4Range.Parse("198.18.1.3").First), t[(ulong)t.Count - 1]);
        Assert.False(t.Contains(Ipv4Range.Parse("198.18.0.9").First));
    }

    [Fact]
    public void ExceptRemovesAddresses()
    {
        var t = TargetSet.Parse("198.18.0.0/24").Except(TargetSet.Parse("198.18.0.0/26,198.18.0.100,198.18.0.255"));
        Assert.Equal(256ul - 64 - 1 - 1, t.Count);
        Assert.False(t.Contains(Ipv4Range.Parse("198.18.0.100").First));
        Assert.True(t.Contains(Ipv4Range.Parse("198.18.0.101").First));
    }

    [Theory]
    [InlineData("80", 1)]
    [InlineData("0-65535", 65536)]
    [InlineData("22,80,443,1-1000", 1000)]
    [InlineData("60000-", 5536)]
    [InlineData("-100", 100)]
    public void PortsParse(string text, int count) => Assert.Equal(count, PortSet.Parse(text).Count);

    [Theory]
    [InlineData("0-70000", "70000")]
    [InlineData("abc", "abc")]
    [InlineData("80,,81", "80,,81")]
    [InlineData("100-90", "100-90")]
    [InlineData("65536", "65536")]
    [InlineData("-5x", "5x")]
    [InlineData("1e3", "1e3")]
    public void RejectsBadPortsNamingTheToken(string text, string token)
    {
        var e = Assert.Throws<BadInputException>(() => PortSet.Parse(text));
        Assert.Equal(token, e.Token);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void ScanSpaceVisitsEveryPairOnceHostsFastest()
    {
        var space = new ScanSpace(TargetSet.Parse("198.18.0.0/30"), PortSet.Parse("22,80,443"));
        Assert.Equal(12ul, space.Count);
        var seen = new HashSet<(UInt128, ushort)>();
        for (ulong i = 0; i < space.Count; i++)
        {
            space.Decode(i, out UInt128 a, out ushort p);
            Assert.True(seen.Add((a, p)));
        }
        space.Decode(0, out UInt128 a0, out _);
        space.Decode(1, out UInt128 a1, out _);
        Assert.NotEqual(a0, a1);
    }
}
