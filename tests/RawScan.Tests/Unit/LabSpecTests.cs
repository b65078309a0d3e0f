using RawScan.Lab;
using RawScan.Lab.Internal;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

public class LabSpecTests
{
    [Theory]
    [InlineData("rawscan")]
    [InlineData("a")]
    [InlineData("t0a1b2c")]
    [InlineData("bench-2-lab")]
    [InlineData("abcdefghij012345")] // 16
    public void AcceptsNamesOfLowercaseDigitsAndDashes(string name)
    {
        var spec = LabSpec.For(name);
        Assert.Equal($"rawscan-{name}-scan", spec.ScannerNamespace);
        Assert.Equal($"rawscan-{name}-target", spec.TargetNamespace);
        Assert.True(LabSpec.IsValidName(name));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abcdefghij0123456")] // 17
    [InlineData("Rawscan")]
    [InlineData("lab_1")]
    [InlineData("a/b")]
    [InlineData("a b")]
    [InlineData("lab.1")]
    [InlineData("läb")]
    public void RejectsOtherNamesNamingTheToken(string name)
    {
        var e = Assert.Throws<BadInputException>(() => LabSpec.For(name));
        Assert.Equal(name, e.Token);
        Assert.Equal("lab name", e.What);
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(LabSpec.IsValidName(name));
    }

    [Fact]
    public void DefaultIsTheDesignedNetwork()
    {
        var s = LabSpec.Default;
        Assert.Equal("rawscan", s.Name);
        Assert.Equal("scan0", s.ScannerInterface);
        Assert.Equal("198.19.0.2", Ipv4.Format(s.ScannerAddress));
        Assert.Equal("198.19.0.1", Ipv4.Format(s.Gateway));
        Assert.Equal("198.19.0.10", Ipv4.Format(s.SpareAddress));
        Assert.Equal(Ipv4Range.Parse("198.18.0.0/16"), s.LiveRange);
        Assert.Equal([22, 25, 80, 443, 3306, 8080, 31337], s.TcpOpenPorts);
        Assert.Equal([53, 161], s.UdpOpenPorts);
        Assert.All(s.UdpOpenPorts, p => Assert.NotNull(LabSpec.UdpServiceName(p)));
        // Neither TCP 80 nor UDP 53 is filtered anywhere: the /16 sweeps of each expect every address.
        Assert.DoesNotContain(s.FilterRules, r => r.Ports.Contains(r.Protocol == RawScan.Results.Protocol.Tcp ? (ushort)80 : (ushort)53));
        // The spare and scanner addresses must be on the link but not in the live range the target owns.
        var link = Ipv4Range.FromCidr(s.Gateway, s.LinkPrefixLength);
        Assert.All([s.ScannerAddress, s.SpareAddress], a => Assert.True(link.Contains(a) && !s.LiveRange.Contains(a)));
    }

    [Theory]
    [InlineData("198.18.0.0/16", "198.18.0.0/16")]
    [InlineData("198.18.3.7", "198.18.3.7/32")]
    [InlineData("198.18.0.128/25", "198.18.0.128/25")]
    [InlineData("0.0.0.0/0", "0.0.0.0/0")]
    [InlineData("198.18.0.1-198.18.0.4", "198.18.0.1-198.18.0.4")] // four, but not aligned
    [InlineData("198.18.0.0-198.18.0.2", "198.18.0.0-198.18.0.2")]
    public void RangesAreWrittenAsCidrWhenTheyAreBlocks(string range, string text)
    {
        Assert.Equal(text, RangeText.Format(Ipv4Range.Parse(range)));
        Assert.Equal(Ipv4Range.Parse(range), Ipv4Range.Parse(text));
    }

    [Fact]
    public void TargetFirewallIsGeneratedFromTheFilterRules()
    {
        string script = NftScripts.Target(LabSpec.Default);
        Assert.Contains("table inet rawscan_lab {", script);
        Assert.Contains("type filter hook input priority filter; policy accept;", script);
        Assert.Contains("ip daddr 198.18.0.128/25 tcp dport { 22, 443 } drop", script);
        Assert.Contains("ip daddr 198.18.3.0/24 tcp dport { 1-79, 81-65535 } drop", script);
        Assert.Contains("ip daddr 198.18.0.128/25 udp dport { 161 } drop", script);
        Assert.Contains("ip daddr 198.18.3.0/24 udp dport { 1-52, 54-65535 } drop", script);
        Assert.Contains("ip daddr 198.18.0.0/16 udp dport { 500 } drop", script);
        Assert.Contains("ip6 daddr 2001:db8:1::80/121 tcp dport { 22, 443 } drop", script);
        Assert.Contains("ip6 daddr 2001:db8:1::300/120 tcp dport { 1-79, 81-65535 } drop", script);
        Assert.Contains("ip6 daddr 2001:db8:1::80/121 udp dport { 161 } drop", script);
        Assert.Contains("ip6 daddr 2001:db8:1::300/120 udp dport { 1-52, 54-65535 } drop", script);
        Assert.Contains("ip6 daddr 2001:db8:1::/64 udp dport { 500 } drop", script);
        Assert.Equal(10, script.Split('\n').Count(l => l.TrimEnd().EndsWith(" drop")));
        // A spec without IPv6 (loaded from an older truth.json) has no IPv6 rules.
        Assert.DoesNotContain("ip6", NftScripts.Target(LabSpec.Default with { HasIpv6 = false }));
    }

    [Fact]
    public void Ipv6SideIsTheDesignedNetwork()
    {
        var s = LabSpec.Default;
        Assert.True(s.HasIpv6);
        Assert.Equal("2001:db8:ff::2", Ipv6.Format(s.ScannerAddress6));
        Assert.Equal("2001:db8:ff::1", Ipv6.Format(s.Gateway6));
        Assert.Equal("2001:db8:ff::10", Ipv6.Format(s.SpareAddress6));
        Assert.Equal("2001:db8::/32", s.ScannerRoute6.ToString());
        Assert.Equal("2001:db8:1::/64", s.LiveRange6.ToString());
        Assert.Equal("2001:db8:1::100", Ipv6.Format(s.AssignedRange6.First));
        Assert.Equal("2001:db8:1::1ff", Ipv6.Format(s.AssignedRange6.Last));
        // Everything lies in the one route the scanner has; the link's addresses are not in the live /64.
        var link = new Ipv6Prefix(s.Gateway6, s.LinkPrefixLength6);
        Assert.All([s.LiveRange6.First, s.LiveRange6.Last, s.Gateway6, s.ScannerAddress6, s.SpareAddress6], a => Assert.True(s.ScannerRoute6.Contains(a)));
        Assert.All([s.ScannerAddress6, s.SpareAddress6], a => Assert.True(link.Contains(a) && !s.LiveRange6.Contains(a)));
        Assert.True(s.LiveRange6.Contains(s.AssignedRange6.First) && s.LiveRange6.Contains(s.AssignedRange6.Last));
        // As for IPv4: neither TCP 80 nor UDP 53 filtered anywhere; and only UDP 500 touches the assigned range.
        Assert.DoesNotContain(s.FilterRules6, r => r.Ports.Contains(r.Protocol == RawScan.Results.Protocol.Tcp ? (ushort)80 : (ushort)53));
        Assert.All(s.FilterRules6.Where(r => r.Addresses.Contains(s.AssignedRange6.First) || r.Addresses.Contains(s.AssignedRange6.Last)),
            r => Assert.Equal("500", r.Ports.ToString()));
    }

    [Theory]
    [InlineData("2001:db8:1::/64", "2001:db8:1::", "2001:db8:1:0:ffff:ffff:ffff:ffff")]
    [InlineData("2001:db8:1::80/121", "2001:db8:1::80", "2001:db8:1::ff")]
    [InlineData("2001:db8:1::1ab/120", "2001:db8:1::100", "2001:db8:1::1ff")]   // host bits cleared
    [InlineData("2001:db8::5", "2001:db8::5", "2001:db8::5")]                   // a bare address is its /128
    [InlineData("::/0", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    public void Ipv6PrefixesParseToTheirFirstAndLast(string text, string first, string last)
    {
        var p = Ipv6Prefix.Parse(text);
        Assert.Equal(first, Ipv6.Format(p.First));
        Assert.Equal(last, Ipv6.Format(p.Last));
        Assert.True(p.Contains(p.First) && p.Contains(p.Last));
        Assert.False(p.First != 0 && p.Contains(p.First - 1));
        Assert.False(p.Last != UInt128.MaxValue && p.Contains(p.Last + 1));
        Assert.Equal(p, Ipv6Prefix.Parse(p.ToString()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("198.18.0.0/16")]
    [InlineData("2001:db8::/129")]
    [InlineData("2001:db8::/-1")]
    [InlineData("2001:db8::/+64")]
    [InlineData("2001:db8::/")]
    [InlineData("fe80::1%eth0/64")]
    [InlineData("2001:db8::1-2001:db8::2")]
    public void Ipv6PrefixRejectsWhatIsNotOne(string text) =>
        Assert.Equal(text, Assert.Throws<BadInputException>(() => Ipv6Prefix.Parse(text)).Token);

    [Fact]
    public void AssignedAddressesAreOneBatchLineEach()
    {
        var lines = LabManager.AssignedAddresses(LabSpec.Default).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(256, lines.Length);
        Assert.Equal("address add 2001:db8:1::100/128 dev lo nodad", lines[0]);
        Assert.Equal("address add 2001:db8:1::1ff/128 dev lo nodad", lines[^1]);
    }

    [Fact]
    public void ScannerFirewallDropsOnlyItsSourcePorts()
    {
        string script = NftScripts.Scanner(LabSpec.Default);
        Assert.Contains("table netdev rawscan_lab {", script);
        Assert.Contains("type filter hook ingress device \"scan0\" priority filter; policy accept;", script);
        Assert.Contains("meta l4proto tcp th dport { 61000-65535 } drop", script);
        Assert.Contains("meta l4proto udp th dport { 61000-65535 } drop", script);
        Assert.Equal(2, script.Split('\n').Count(l => l.TrimEnd().EndsWith(" drop")));
    }
}
