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
    [InlineData("198.18.7.9", 53, PortState.Closed)]        // no UDP services yet: ICMP port unreachable
    [InlineData("198.18.3.7", 81, PortState.Closed)]        // the filters are TCP only
    [InlineData("198.18.0.200", 22, PortState.Closed)]
    [InlineData("10.0.0.1", 53, PortState.OpenFiltered)]    // silence is open|filtered for UDP
    public void ClassifiesUdp(string address, int port, PortState expected) =>
        Assert.Equal(expected, Truth.Expected(Ip(address), Protocol.Udp, (ushort)port));

    [Fact]
    public void WholeLiveRangeIsOpenOnPort80()
    {
        var states = Truth.Expect(TargetSet.Parse("198.18.0.0/16"), PortSet.Parse("80"), Protocol.Tcp).ToList();
        Assert.Equal(65536, states.Count);
        Assert.All(states, s => Assert.Equal(PortState.Open, s.State));
    }

    [Fact]
    public void ExpectEnumeratesAddressMajorInAscendingOrder()
    {
        var targets = TargetSet.Parse("198.18.0.129,198.18.0.126-198.18.0.127");
        var got = Truth.Expect(targets, PortSet.Parse("443,22"), Protocol.Tcp)
            .Select(e => $"{Ipv4.Format(e.Address)}:{e.Port}={e.State.Name()}").ToList();
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
            var ports = PortSet.Parse("0-100,442-444,3305-3307,8079-8081,31336-31338,60999-61001,65534-65535");
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
    public void TruthFileIsPlainForOtherReaders()
    {
        string json = Truth.ToJson();
        Assert.Contains("\"liveRange\": \"198.18.0.0/16\"", json);
        Assert.Contains("\"addresses\": \"198.18.3.0/24\"", json);
        Assert.Contains("\"ports\": \"1-79,81-65535\"", json);
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
