using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>IPv6 text both ways: RFC 5952's canonical form out, what people type in, nothing guessed.</summary>
public class Ipv6Tests
{
    [Theory]
    [InlineData("2001:db8::1", "2001:db8::1")]
    [InlineData("2001:DB8:0:0:0:0:0:1", "2001:db8::1")]
    [InlineData("::", "::")]
    [InlineData("::1", "::1")]
    [InlineData("2001:db8::", "2001:db8::")]
    [InlineData("2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1")]           // the longer zero run is the one shortened
    [InlineData("2001:0:0:1:0:0:0:1", "2001:0:0:1::1")]
    [InlineData("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1")]          // tied: the first
    [InlineData("2001:db8:1:1:1:1:0:1", "2001:db8:1:1:1:1:0:1")]       // one zero group is not shortened
    [InlineData("fe80::ffff:ffff:ffff:ffff", "fe80::ffff:ffff:ffff:ffff")]
    public void FormatsAsRfc5952(string input, string expected)
    {
        Assert.True(Ipv6.TryParse(input, out var a));
        Assert.Equal(expected, Ipv6.Format(a));
        Assert.Equal(System.Net.IPAddress.Parse(input).ToString(), Ipv6.Format(a)); // .NET's own formatter agrees
    }

    [Theory]
    [InlineData("198.18.0.1")]
    [InlineData("fe80::1%eth0")]
    [InlineData("2001:db8:::1")]
    [InlineData("2001:db8::g")]
    [InlineData("")]
    public void RefusesWhatIsNotAPlainIpv6Address(string input) => Assert.False(Ipv6.TryParse(input, out _));

    [Fact]
    public void WireBytesAreBigEndian()
    {
        var a = Ipv6.Parse("2001:db8::1");
        Span<byte> b = stackalloc byte[16];
        Ipv6.WriteBytes(a, b);
        Assert.Equal(new byte[] { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, b.ToArray());
        Assert.Equal(a, Ipv6.FromBytes(b));
    }
}
