using RawScan.Lab;
using RawScan.Results;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

public class LabTruthTests
{
    private static readonly LabTruth Truth = LabTruth.FromSpec(LabSpec.Default);

    private static uint Ip(string s) => Ipv4.TryParse(s, out uint a) ? a : throw new ArgumentException(s);

    [Theory]
    [InlineData("198.18.0.0", 80, PortState.Open)]
    [InlineData("198.18.7.9", 22, PortState.Open)]
    [InlineData("198.18.7.9", 31337, PortState.Open)]
    [InlineData("198.18.7.9", 81, PortState.Closed)]
    [InlineData("198.18.7.9", 0, PortState.Closed)]       // the kernel resets port 0 too
    [InlineData("198.18.7.9", 65535, PortState.Closed)]
    [InlineData("198.18.0.127", 22, PortState.Open)]      // last address below the filtered /25
    [InlineData("198.18.0.128", 22, PortState.Filtered)]  // first address in it
    [InlineData("198.18.0.255", 443, PortState.Filtered)]
    [InlineData("198.18.0.128", 25, PortState.Open)]      // only 22 and 443 are filtered there
    [InlineData("198.18.0.128", 23, PortState.Closed)]
    [InlineData("198.18.1.0", 22, PortState.Open)]        // past the /25
    [InlineData("198.18.3.0", 80, PortState.Open)]        // the firewalled /24 lets 80 through...
    [InlineData("198.18.3.255", 80, PortState.Open)]
    [InlineData("198.18.3.7", 79, PortState.Filtered)]    // ...and nothing else
    [InlineData("198.18.3.7", 81, PortState.Filtered)]
    [InlineData("198.18.3.7", 1, PortState.Filtered)]
    [InlineData("198.18.3.7", 65535, PortState.Filtered)]
    [InlineData("198.18.3.7", 0, PortState.Closed)]       // the rule is 1-79,81-65535
    [InlineData("198.18.2.255", 81, PortState.Closed)]
    [InlineData("198.18.4.0", 81, PortState.Closed)]
    [InlineData("198.18.255.255", 80, PortState.Open)]
    [InlineData("198.19.0.1", 22, PortState.Open)]        // the gateway is the target itself
    [InlineData("198.19.0.1", 81, PortState.Closed)]
    [InlineData("198.19.0.10", 80, PortState.Filtered)]   // the spare address: nobody answers
    [InlineData("198.17.255.255", 80, PortState.Filtered)]
    [InlineData("198.19.0.0", 80, PortState.Filtered)]
    [InlineData("10.0.0.1", 80, PortState.Filtered)]
    public void ClassifiesTcpAtTheEdges(string address, int port, PortState expected) =>
        Assert.Equal(expected, Truth.Expected(Ip(address), Protocol.Tcp, (ushort)port));

    [Theory]
    [InlineData("198.18.7.9", 53, PortState.Open)]          // the DNS responder
    [InlineData("198.18.7.9", 161, PortState.Open)]         // the SNMP responder
    [InlineData("198.18.0.0", 53, PortState.Open)]
    [InlineData("198.18.255.255", 53, PortState.Open)]
    [InlineData("198.18.7.9", 52, PortState.Closed)]        // ICMP port unreachable
    [InlineData("198.18.7.9", 54, PortState.Closed)]
    [InlineData("198.18.7.9", 0, PortState.Closed)]
    [InlineData("198.18.7.9", 1000, PortState.Closed)]
    [InlineData("198.18.7.9", 65535, PortState.Closed)]
    [InlineData("198.18.7.9", 499, PortState.Closed)]
    [InlineData("198.18.7.9", 500, PortState.OpenFiltered)] // dropped on every address
    [InlineData("198.18.0.0", 500, PortState.OpenFiltered)]
    [InlineData("198.18.255.255", 500, PortState.OpenFiltered)]
    [InlineData("198.18.7.9", 501, PortState.Closed)]
    [InlineData("198.18.0.127", 161, PortState.Open)]       // last address below the /25 where 161 is dropped
    [InlineData("198.18.0.128", 161, PortState.OpenFiltered)]
    [InlineData("198.18.0.255", 161, PortState.OpenFiltered)]
    [InlineData("198.18.0.200", 53, PortState.Open)]        // only 161 is dropped there
    [InlineData("198.18.0.200", 22, PortState.Closed)]      // the TCP rules do not touch UDP
    [InlineData("198.18.1.0", 161, PortState.Open)]
    [InlineData("198.18.3.0", 53, PortState.Open)]          // the firewalled /24 lets 53 through...
    [InlineData("198.18.3.255", 53, PortState.Open)]
    [InlineData("198.18.3.7", 52, PortState.OpenFiltered)]  // ...and nothing else
    [InlineData("198.18.3.7", 54, PortState.OpenFiltered)]
    [InlineData("198.18.3.7", 161, PortState.OpenFiltered)]
    [InlineData("198.18.3.7", 80, PortState.OpenFiltered)]  // the TCP exception is not a UDP one
    [InlineData("198.18.3.7", 1, PortState.OpenFiltered)]
    [InlineData("198.18.3.7", 65535, PortState.OpenFiltered)]
    [InlineData("198.18.3.7", 0, PortState.Closed)]         // the rule is 1-52,54-65535
    [InlineData("198.18.2.255", 54, PortState.Closed)]
    [InlineData("198.18.4.0", 54, PortState.Closed)]
    [InlineData("198.19.0.1", 53, PortState.Open)]          // the gateway is the target itself: responders bind 0.0.0.0
    [InlineData("198.19.0.1", 500, PortState.Closed)]       // and the /16 rule does not cover it
    [InlineData("198.19.0.10", 53, PortState.OpenFiltered)] // the spare address: nobody answers
    [InlineData("198.17.255.255", 53, PortState.OpenFiltered)]
    [InlineData("198.19.0.0", 53, PortState.OpenFiltered)]
    [InlineData("10.0.0.1", 53, PortState.OpenFiltered)]    // silence is open|filtered for UDP
    public void ClassifiesUdp(string address, int port, PortState expected) =>
        Assert.Equal(expected, Truth.Expected(Ip(address), Protocol.Udp, (ushort)port));

    private static UInt128 Ip6(string s) => Ipv6.Parse(s);

    [Theory]
    [InlineData("2001:db8:1::", 80, PortState.Open)]
    [InlineData("2001:db8:1::5", 22, PortState.Open)]
    [InlineData("2001:db8:1::5", 81, PortState.Closed)]              // RST, from the address asked, assigned or not
    [InlineData("2001:db8:1::ffff:ffff:ffff:ffff", 31337, PortState.Open)]
    [InlineData("2001:db8:1::7f", 22, PortState.Open)]               // below the filtered /121
    [InlineData("2001:db8:1::80", 22, PortState.Filtered)]
    [InlineData("2001:db8:1::85", 443, PortState.Filtered)]
    [InlineData("2001:db8:1::ff", 22, PortState.Filtered)]
    [InlineData("2001:db8:1::85", 80, PortState.Open)]
    [InlineData("2001:db8:1::85", 81, PortState.Closed)]
    [InlineData("2001:db8:1::100", 22, PortState.Open)]              // past it: the assigned range
    [InlineData("2001:db8:1::105", 81, PortState.Closed)]
    [InlineData("2001:db8:1::300", 80, PortState.Open)]              // the firewalled /120 lets 80 through...
    [InlineData("2001:db8:1::3ff", 81, PortState.Filtered)]          // ...and nothing else
    [InlineData("2001:db8:1::400", 81, PortState.Closed)]
    [InlineData("2001:db8:ff::1", 22, PortState.Open)]               // the gateway is the target itself
    [InlineData("2001:db8:ff::1", 81, PortState.Closed)]
    [InlineData("2001:db8:ff::2", 22, PortState.Filtered)]           // the scanner's own: not the target's
    [InlineData("2001:db8:ff::10", 80, PortState.Filtered)]          // the spare address: nobody answers
    [InlineData("2001:db8:2::1", 80, PortState.Filtered)]            // routed to the target, which does not own it
    [InlineData("2001:db8:0:ffff:ffff:ffff:ffff:ffff", 80, PortState.Filtered)]
    [InlineData("::ffff:198.18.7.9", 80, PortState.Open)]            // IPv4-mapped: the IPv4 truth
    [InlineData("::ffff:198.18.0.200", 22, PortState.Filtered)]
    [InlineData("::198.18.7.9", 80, PortState.Filtered)]             // IPv4-compatible is not mapped
    public void ClassifiesIpv6Tcp(string address, int port, PortState expected) =>
        Assert.Equal(expected, Truth.Expected(Ip6(address), Protocol.Tcp, (ushort)port));

    [Theory]
    [InlineData("2001:db8:1::5", 53, PortState.Open)]                // the responders answer from every live address
    [InlineData("2001:db8:1::5", 161, PortState.Open)]
    [InlineData("2001:db8:1::5", 500, PortState.OpenFiltered)]       // dropped on the whole /64
    [InlineData("2001:db8:1::5", 9999, PortState.Filtered)]          // port unreachable, but from 2001:db8:ff::1
    [InlineData("2001:db8:1::105", 9999, PortState.Closed)]          // assigned: from the address asked
    [InlineData("2001:db8:1::100", 54, PortState.Closed)]
    [InlineData("2001:db8:1::1ff", 54, PortState.Closed)]
    [InlineData("2001:db8:1::200", 54, PortState.Filtered)]          // past the assigned range
    [InlineData("2001:db8:1::ff", 54, PortState.Filtered)]
    [InlineData("2001:db8:1::105", 500, PortState.OpenFiltered)]
    [InlineData("2001:db8:1::105", 161, PortState.Open)]
    [InlineData("2001:db8:1::85", 161, PortState.OpenFiltered)]      // SNMP dropped on the /121
    [InlineData("2001:db8:1::85", 53, PortState.Open)]
    [InlineData("2001:db8:1::307", 53, PortState.Open)]              // the firewalled /120 lets 53 through...
    [InlineData("2001:db8:1::307", 54, PortState.OpenFiltered)]      // ...and nothing else
    [InlineData("2001:db8:1::307", 0, PortState.Filtered)]           // the rule is 1-52,54-65535; 0 is closed, from 2001:db8:ff::1
    [InlineData("2001:db8:ff::1", 53, PortState.Open)]
    [InlineData("2001:db8:ff::1", 500, PortState.Closed)]            // the /64 rule does not cover the gateway, which answers from itself
    [InlineData("2001:db8:ff::10", 53, PortState.OpenFiltered)]
    [InlineData("2001:db8:2::1", 53, PortState.OpenFiltered)]
    [InlineData("::ffff:198.18.7.9", 1000, PortState.Closed)]
    public void ClassifiesIpv6Udp(string address, int port, PortState expected) =>
        Assert.Equal(expected, Truth.Expected(Ip6(address), Protocol.Udp, (ushort)port));

    [Theory]
    [InlineData("2001:db8:1::100", true)]
    [InlineData("2001:db8:1::1ff", true)]
    [InlineData("2001:db8:ff::1", true)]
    [InlineData("2001:db8:1::ff", false)]
    [InlineData("2001:db8:1::200", false)]
    [InlineData("2001:db8:1::5", false)]
    [InlineData("2001:db8:ff::2", false)]
    public void AnswersFromItselfOnlyWhereConfigured(string address, bool expected) =>
        Assert.Equal(expected, Truth.AnswersFromItself(Ip6(address)));

    [Fact]
    public void Ipv6SideRoundTripsAndIsPlainForOtherReaders()
    {
        string json = Truth.ToJson();
        Assert.Contains("\"ipv6\": {", json);
        Assert.Contains("\"scannerAddress\": \"2001:db8:ff::2\"", json);
        Assert.Contains("\"gateway\": \"2001:db8:ff::1\"", json);
        Assert.Contains("\"scannerRoute\": \"2001:db8::/32\"", json);
        Assert.Contains("\"liveRange\": \"2001:db8:1::/64\"", json);
        Assert.Contains("\"assignedRange\": \"2001:db8:1::100/120\"", json);
        Assert.Contains("\"addresses\": \"2001:db8:1::80/121\"", json);

        string path = Path.Combine(Path.GetTempPath(), $"rawscan-truth-{Guid.NewGuid():N}.json");
        try
        {
            Truth.Save(path);
            var loaded = LabTruth.Load(path);
            Assert.Equal(Truth.ToJson(), loaded.ToJson());
            Assert.True(loaded.Spec.HasIpv6);
            var addresses = new List<UInt128> { Ip6("2001:db8:ff::1"), Ip6("2001:db8:ff::2"), Ip6("2001:db8:ff::10"), Ip6("2001:db8:2::") };
            foreach (var r in LabSpec.Default.FilterRules6.Select(r => r.Addresses).Append(LabSpec.Default.LiveRange6).Append(LabSpec.Default.AssignedRange6))
                addresses.AddRange([r.First - 1, r.First, r.First + 1, r.Last - 1, r.Last, r.Last + 1]);
            var ports = PortSet.Parse("0-100,160-162,442-444,499-501,9998-10000,65535");
            foreach (var protocol in new[] { Protocol.Tcp, Protocol.Udp })
                foreach (var a in addresses)
                    for (int i = 0; i < ports.Count; i++)
                        Assert.Equal(Truth.Expected(a, protocol, ports[i]), loaded.Expected(a, protocol, ports[i]));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AFileFromBeforeIpv6LoadsAsALabWithoutIt()
    {
        string path = Path.Combine(Path.GetTempPath(), $"rawscan-truth-{Guid.NewGuid():N}.json");
        try
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(Truth.ToJson())!.AsObject();
            Assert.True(node.Remove("ipv6"));
            File.WriteAllText(path, node.ToJsonString());
            var loaded = LabTruth.Load(path);
            Assert.False(loaded.Spec.HasIpv6);
            Assert.DoesNotContain("ipv6", loaded.ToJson());
            Assert.Equal(PortState.Open, loaded.Expected(Ip("198.18.7.9"), Protocol.Tcp, 80));   // IPv4 as before
            Assert.Equal(PortState.Filtered, loaded.Expected(Ip6("2001:db8:1::5"), Protocol.Tcp, 80));
            Assert.Equal(PortState.OpenFiltered, loaded.Expected(Ip6("2001:db8:1::105"), Protocol.Udp, 53));
            Assert.False(loaded.AnswersFromItself(Ip6("2001:db8:1::105")));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("\"2001:db8:ff::1\"", "\"2001:db8:ff::1::\"")]
    [InlineData("\"2001:db8:1::/64\"", "\"2001:db8:1::/65x\"")]
    public void LoadRejectsABadIpv6AddressOrPrefix(string good, string bad)
    {
        string path = Path.Combine(Path.GetTempPath(), $"rawscan-truth-{Guid.NewGuid():N}.json");
        try
        {
            string json = Truth.ToJson();
            Assert.Contains(good, json);
            File.WriteAllText(path, json.Replace(good, bad));
            var e = Assert.Throws<BadInputException>(() => LabTruth.Load(path));
            Assert.Contains(bad.Trim('"'), e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void WholeLiveRangeIsOpenOnPort80()
    {
        var states = Truth.Expect(TargetSet.Parse("198.18.0.0/16"), PortSet.Parse("80"), Protocol.Tcp).ToList();
        Assert.Equal(65536, states.Count);
        Assert.All(states, s => Assert.Equal(PortState.Open, s.State));
    }

    [Fact]
    public void WholeLiveRangeIsOpenOnUdp53()
    {
        var states = Truth.Expect(TargetSet.Parse("198.18.0.0/16"), PortSet.Parse("53"), Protocol.Udp).ToList();
        Assert.Equal(65536, states.Count);
        Assert.All(states, s => Assert.Equal(PortState.Open, s.State));
    }

    [Fact]
    public void EveryHostOfASlash20ShowsAllThreeUdpStates()
    {
        // 198.18.0.0/20 holds both UDP filters' subnets; 500 is silent everywhere, 1000 and 1900 closed outside 198.18.3.0/24.
        var byHost = Truth.Expect(TargetSet.Parse("198.18.0.0/20"), PortSet.Parse("53,161,500,1000,1900"), Protocol.Udp)
            .GroupBy(e => e.Address).ToList();
        Assert.Equal(4096, byHost.Count);
        foreach (var host in byHost)
        {
            var states = host.ToDictionary(e => e.Port, e => e.State);
            Assert.Equal(PortState.Open, states[53]);
            Assert.Equal(PortState.OpenFiltered, states[500]);
            bool firewalled = IpRange.Parse("198.18.3.0/24").Contains(host.Key);
            Assert.Equal(firewalled ? PortState.OpenFiltered : PortState.Closed, states[1000]);
            Assert.Equal(firewalled || IpRange.Parse("198.18.0.128/25").Contains(host.Key) ? PortState.OpenFiltered : PortState.Open, states[161]);
        }
    }

    [Fact]
    public void ExpectEnumeratesAddressMajorInAscendingOrder()
    {
        var targets = TargetSet.Parse("198.18.0.129,198.18.0.126-198.18.0.127");
        var got = Truth.Expect(targets, PortSet.Parse("443,22"), Protocol.Tcp)
            .Select(e => $"{RawScan.Targets.Ip.Format(e.Address)}:{e.Port}={e.State.Name()}").ToList();
        Assert.Equal(
        [
            "198.18.0.126:22=open", "198.18.0.126:443=open",
            "198.18.0.127:22=open", "198.18.0.127:443=open",
            "198.18.0.129:22=filtered", "198.18.0.129:443=filtered",
        ], got);
    }

    [Fact]
    public void TruthFileRoundTripsTheSpecFaithfully()
    {
        string path = Path.Combine(Path.GetTempPath(), $"rawscan-truth-{Guid.NewGuid():N}.json");
        try
        {
            Truth.Save(path);
            var loaded = LabTruth.Load(path);
            Assert.Equal(Truth.ToJson(), loaded.ToJson());
            Assert.Equal(LabSpec.Default.ScannerNamespace, loaded.Spec.ScannerNamespace);

            // Every filter edge and every open port, at addresses around every rule's edges.
            var addresses = new List<uint> { Ip("198.17.255.255"), Ip("198.19.0.1"), Ip("198.19.0.10") };
            foreach (var r in LabSpec.Default.FilterRules.Select(r => r.Addresses).Append(LabSpec.Default.LiveRange))
                addresses.AddRange([r.First - 1, r.First, r.First + 1, r.Last - 1, r.Last, r.Last + 1]);
            var ports = PortSet.Parse("0-100,160-162,442-444,499-501,999-1001,3305-3307,8079-8081,31336-31338,60999-61001,65534-65535");
            foreach (var protocol in new[] { Protocol.Tcp, Protocol.Udp })
                foreach (uint a in addresses)
                    for (int i = 0; i < ports.Count; i++)
                        Assert.Equal(Truth.Expected(a, protocol, ports[i]), loaded.Expected(a, protocol, ports[i]));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TruthFileRoundTripsAnotherSpec()
    {
        var spec = LabSpec.For("other") with
        {
            UdpOpenPorts = [7, 53, 65535],
            TcpOpenPorts = [1],
            FilterRules =
            [
                new(Ipv4Range.Parse("198.18.9.0/24"), Protocol.Udp, PortSet.Parse("7,100-200")),
                new(Ipv4Range.Parse("198.18.0.0/16"), Protocol.Tcp, PortSet.Parse("9")),
            ],
        };
        var truth = LabTruth.FromSpec(spec);
        string path = Path.Combine(Path.GetTempPath(), $"rawscan-truth-{Guid.NewGuid():N}.json");
        try
        {
            truth.Save(path);
            var loaded = LabTruth.Load(path);
            Assert.Equal(truth.ToJson(), loaded.ToJson());
            Assert.Equal(spec.UdpOpenPorts, loaded.Spec.UdpOpenPorts);
            var ports = PortSet.Parse("0-10,52-54,99-101,199-201,65534-65535");
            foreach (uint a in new[] { Ip("198.18.8.255"), Ip("198.18.9.0"), Ip("198.18.9.255"), Ip("198.18.10.0"), Ip("198.19.0.1"), Ip("198.19.0.10") })
                foreach (var protocol in new[] { Protocol.Tcp, Protocol.Udp })
                    for (int i = 0; i < ports.Count; i++)
                        Assert.Equal(truth.Expected(a, protocol, ports[i]), loaded.Expected(a, protocol, ports[i]));
            Assert.Equal(PortState.Open, loaded.Expected(Ip("198.18.9.1"), Protocol.Udp, 53));
            Assert.Equal(PortState.OpenFiltered, loaded.Expected(Ip("198.18.9.1"), Protocol.Udp, 7));
            Assert.Equal(PortState.Open, loaded.Expected(Ip("198.18.10.1"), Protocol.Udp, 7));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LoadRejectsAFileWithoutUdpPorts()
    {
        string path = Path.Combine(Path.GetTempPath(), $"rawscan-truth-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, System.Text.RegularExpressions.Regex.Replace(Truth.ToJson(), "\"udpOpen\": \\[[^\\]]*\\],", ""));
            Assert.DoesNotContain("udpOpen", File.ReadAllText(path));
            Assert.Throws<BadInputException>(() => LabTruth.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TruthFileIsPlainForOtherReaders()
    {
        string json = Truth.ToJson();
        Assert.Contains("\"liveRange\": \"198.18.0.0/16\"", json);
        Assert.Contains("\"addresses\": \"198.18.3.0/24\"", json);
        Assert.Contains("\"ports\": \"1-79,81-65535\"", json);
        Assert.Contains("\"ports\": \"1-52,54-65535\"", json);
        Assert.Contains("\"protocol\": \"udp\"", json);
        Assert.Matches("\"udpOpen\": \\[\\s*53,\\s*161\\s*\\]", json);
        Assert.Contains("\"scannerNamespace\": \"rawscan-rawscan-scan\"", json);
        Assert.Contains("\"spareAddress\": \"198.19.0.10\"", json);
        Assert.Contains("\"defaultState\": \"closed\"", json);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("null")]
    public void LoadRejectsWhatIsNotATruthFile(string content)
    {
        string path = Path.Combine(Path.GetTempPath(), $"rawscan-truth-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, content);
            var e = Assert.Throws<BadInputException>(() => LabTruth.Load(path));
            Assert.Equal(path, e.Token);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LoadRejectsABadAddress()
    {
        string path = Path.Combine(Path.GetTempPath(), $"rawscan-truth-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, Truth.ToJson().Replace("\"198.19.0.1\"", "\"198.19.0\""));
            var e = Assert.Throws<BadInputException>(() => LabTruth.Load(path));
            Assert.Contains("198.19.0", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
