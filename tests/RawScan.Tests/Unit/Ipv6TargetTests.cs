using RawScan.Output;
using RawScan.Results;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// IPv6 targets (issue 13, part 1): addresses, prefixes and ranges, mixed with IPv4, excluded, indexed
/// and never expanded; a space past the 63-bit index is refused with its size; results of either
/// family go through every report and back.
/// </summary>
public class Ipv6TargetTests
{
    [Fact]
    public void PrefixesRangesAndAddressesOfBothFamiliesMakeOneSet()
    {
        var t = TargetSet.Parse(["2001:db8:1::/112", "198.18.0.0/30", "2001:db8::1-2001:db8::ff", "2001:db8:2::7"]);
        Assert.Equal((UInt128)(65536 + 4 + 255 + 1), t.Count);
        Assert.True(t.HasV6);
        Assert.Equal(Ip.V4(0xC6120000), t[0]);                       // IPv4 (mapped) sorts first
        Assert.Equal(Ipv6.Parse("2001:db8::1"), t[4]);
        Assert.Equal(Ipv6.Parse("2001:db8:2::7"), t[(ulong)t.Count - 1]);
        Assert.True(t.Contains(Ipv6.Parse("2001:db8:1::ffff")));
        Assert.False(t.Contains(Ipv6.Parse("2001:db8:1::1:0")));
        Assert.Equal(["198.18.0.0-198.18.0.3"], t.V4Ranges.Select(r => r.ToString()));
        for (ulong i = 0; i < 300; i++)
        {
            Assert.True(t.TryIndexOf(t[i], out ulong back));
            Assert.Equal(i, back);
        }
    }

    [Theory]
    [InlineData("2001:db8::/129", "0-128")]
    [InlineData("2001:db8::/", "0-128")]
    [InlineData("2001:db8::ff-2001:db8::1", "ends before it starts")]
    [InlineData("2001:db8::1-198.18.0.1", "two full IPv6 addresses")]
    [InlineData("fe80::1%eth0", "no scope ids")]
    [InlineData("2001:db8:::1", "not an IPv6 address")]
    [InlineData("::fffe:ffff:ffff-::ffff:0.0.0.5", "mixes IPv4-mapped")]
    public void BadIpv6TargetsNameTheirToken(string token, string why)
    {
        var e = Assert.Throws<BadInputException>(() => TargetSet.Parse(token));
        Assert.Equal(token, e.Token);
        Assert.Contains(why, e.Reason);
    }

    [Fact]
    public void AnIpv4MappedAddressIsThatIpv4Address() =>
        Assert.Equal(TargetSet.Parse("198.18.0.1")[0], TargetSet.Parse("::ffff:198.18.0.1")[0]);

    [Fact]
    public void ExcludesAndBuiltinExcludesWorkForIpv6()
    {
        var t = TargetSet.Parse("2001:db8::/120,ff02::1,fe80::1,::1,::").Except(TargetSet.Parse("2001:db8::80/121"))
            .Except(TargetFiles.BuiltinExclude);
        Assert.Equal((UInt128)128, t.Count);
        Assert.Equal("2001:db8::-2001:db8::7f", Assert.Single(t.Ranges).ToString());
    }

    /// <summary>Link-local addresses mean a host only on one link: excluded unless the scan names its interface.</summary>
    [Fact]
    public void LinkLocalTargetsNeedAnInterface()
    {
        var e = Assert.Throws<BadInputException>(() => RawScan.Cli.ScanCommand.Parse(["fe80::1", "-p", "80"]));
        Assert.Contains("no address left", e.Reason);
        var p = RawScan.Cli.ScanCommand.Parse(["fe80::1-fe80::4,ff02::1", "-p", "80", "--interface", "scan0"]);
        Assert.Equal((UInt128)4, p.Options.Targets.Count);              // multicast still out
    }

    [Fact]
    public void ASpaceOverTheIndexIsRefusedWithItsSize()
    {
        var e = Assert.Throws<BadInputException>(() => RawScan.Cli.ScanCommand.Parse(["2001:db8::/64", "-p", "80,443"]));
        Assert.Contains("36893488147419103232 probes", e.Reason);   // 2^64 x 2
        Assert.Contains("2^63", e.Reason);
        // 2^63 exactly is indexable: a /65 on one port is a scan (of 292,471 years at a million probes a second).
        Assert.Equal(ScanSize.Max, (ulong)RawScan.Cli.ScanCommand.Parse(["2001:db8::/65", "-p", "80"]).Options.Targets.Count);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("csv")]
    [InlineData("xml")]
    [InlineData("grep")]
    public void Ipv6ResultsGoThroughEveryReportAndBack(string format)
    {
        var results = new[]
        {
            new PortResult(Ipv6.Parse("2001:db8:1::5"), Protocol.Tcp, 22, PortState.Open, 64, 1_700_000_000_000_000, PortReason.SynAck, 120),
            new PortResult(Ipv6.Parse("2001:db8:1::5"), Protocol.Tcp, 81, PortState.Closed, 64, 1_700_000_000_000_001, PortReason.Reset),
            new PortResult(Ipv6.Parse("2001:db8:1::105"), Protocol.Udp, 53, PortState.Open, 64, 1_700_000_000_000_002, PortReason.UdpResponse),
            new PortResult(0xC6120001, Protocol.Tcp, 80, PortState.Open, 63, 1_700_000_000_000_003, PortReason.SynAck),
        };
        string path = Path.Combine(Path.GetTempPath(), $"rawscan-v6-{Guid.NewGuid():N}.{Reports.Ext(format)}");
        try
        {
            using (var w = ReportFormats.ByName(format).Create(File.Create(path), new StubServiceRegistry([])))
            {
                w.Begin(new ScanHeader("rawscan scan 2001:db8:1::5", DateTimeOffset.UnixEpoch, ScanPorts.Parse("T:22,80,81,U:53", ScanTypes.Tcp), 3, "0",
                    new ShownStates(true, true), Partial: true));
                foreach (var r in results) w.OnResult(r);
                w.End(Reports.Summary());
            }
            var back = ReportReader.Read(path);
            Assert.Equal(Reports.Keys(results, ttl: format != "grep"), Reports.Keys(back, ttl: format != "grep"));
            if (format == "xml")
            {
                string xml = File.ReadAllText(path);
                Assert.Contains("addr=\"2001:db8:1::5\" addrtype=\"ipv6\"", xml);
                Assert.Contains("addr=\"198.18.0.1\" addrtype=\"ipv4\"", xml);
                Reports.AssertValidNmapXml(path);
            }
        }
        finally { File.Delete(path); }
    }
}
