using RawScan.Probes;
using RawScan.Probes.Udp;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// nmap's UDP payloads file, read at run time under the project's own probes; and the probes that
/// replace an empty datagram where one may draw nothing (echo, the simple services).
/// </summary>
public class NmapPayloadTests
{
    private static byte[] Bytes(IUdpProbe probe, uint cookie = 0x1234)
    {
        var b = new byte[UdpTemplate.MaxPayload];
        return b[..probe.Write(b, cookie)];
    }

    private static List<(ushort Port, IUdpProbe Probe)> Parse(string text) =>
        NmapPayloads.Parse(text.Split('\n'), "test-payloads");

    [Fact]
    public void EntriesSpanLinesIgnoreKeywordsAndTheFirstPayloadOfAPortWins()
    {
        var entries = Parse("""
            # a comment
            udp 7 "\x0D\x0A\x0D\x0A"
            udp 53,69,26198-26199 "\x00\x00" "\x10"
            # a comment between the strings of one entry
              "\0ab\0"
            udp 500
              "\x01\x02"
              "\x03"
            source 500
            udp 53 "second"
            udp 9000 "\"q\"\r\n\t\\"   # trailing comment
            """);
        var byPort = entries.ToDictionary(e => e.Port, e => e.Probe);
        Assert.Equal([7, 53, 69, 26198, 26199, 500, 9000], entries.Select(e => (int)e.Port));
        Assert.Equal([0x0d, 0x0a, 0x0d, 0x0a], Bytes(byPort[7]));
        Assert.Equal([0, 0, 0x10, 0, (byte)'a', (byte)'b', 0], Bytes(byPort[53]));
        Assert.Same(byPort[53], byPort[26199]);
        Assert.Equal([1, 2, 3], Bytes(byPort[500]));
        Assert.Equal("\"q\"\r\n\t\\"u8.ToArray(), Bytes(byPort[9000]));
        Assert.All(entries, e => Assert.Equal("nmap", e.Probe.Name));
        Assert.Equal(EchoCheck.Unverifiable, byPort[7].Check([0x0d, 0x0a, 0x0d, 0x0a], 0x1234));
    }

    [Theory]
    [InlineData("udp 70000 \"x\"", "70000")]
    [InlineData("udp 53", "53")]
    [InlineData("tcp 53 \"x\"", "tcp")]
    [InlineData("udp 53 \"\\q\"", "\\q")]
    [InlineData("\"x\"", "\"x\"")]
    public void BadEntriesNameTheToken(string text, string token)
    {
        var e = Assert.Throws<BadInputException>(() => Parse(text));
        Assert.Equal(token, e.Token);
        Assert.Contains("test-payloads line 1", e.Message);
    }

    [Fact]
    public void AMissingFileIsBadInputNamingIt()
    {
        var e = Assert.Throws<BadInputException>(() => NmapPayloads.Load("/nonexistent/nmap-payloads"));
        Assert.Equal("/nonexistent/nmap-payloads", e.Token);
    }

    [Fact]
    public void TheScanCommandRefusesAMissingPayloadsFileBeforeAnythingElse()
    {
        var e = Assert.Throws<BadInputException>(() =>
            RawScan.Cli.ScanCommand.Parse(["198.18.0.1", "-sU", "-p", "53", "--nmap-payloads", "/nonexistent/nmap-payloads"]));
        Assert.Equal("/nonexistent/nmap-payloads", e.Token);
        var udp = RawScan.Cli.ScanCommand.Parse(["198.18.0.1", "-sU", "-p", "69"]).Options.UdpPayloads!;
        Assert.Equal("nmap", udp.For(69).Name);               // Debian's file, read by default for a UDP scan
    }

    [Fact]
    public void OurProbesTakePrecedenceOverNmapsAndNmapsOverNothing()
    {
        var table = UdpPayloadTable.Standard(Parse("""
            udp 7 "\r\n\r\n"
            udp 53,69 "\x00\x00\x10\x00"
            udp 9,40000-40001 "rpc"
            """));
        Assert.Same(EchoProbe.Instance, table.For(7));       // ours carries the cookie
        Assert.Same(DnsProbe.Instance, table.For(53));
        Assert.Equal("nmap", table.For(69).Name);
        Assert.Equal("nmap", table.For(9).Name);             // nmap's over our protocol-neutral line
        Assert.Equal("rpc"u8.ToArray(), Bytes(table.For(40001)));
        Assert.Same(LineProbe.Instance, table.For(13));
        Assert.Same(EmptyUdpProbe.Instance, table.For(40002));
        Assert.Same(UdpPayloadTable.Default, UdpPayloadTable.Standard(null));
    }

    /// <summary>Debian's nmap-common file, which run-scan.sh installs: it must parse whole, and give the ports nmap probes.</summary>
    [Fact]
    public void DebiansFileParses()
    {
        Assert.True(File.Exists(NmapPayloads.DefaultPath), $"{NmapPayloads.DefaultPath} is missing: run-scan.sh installs nmap");
        var entries = NmapPayloads.Load(NmapPayloads.DefaultPath);
        var ports = entries.Select(e => e.Port).ToHashSet();
        Assert.Equal(entries.Count, ports.Count);
        foreach (ushort p in new ushort[] { 7, 53, 69, 111, 123, 137, 161, 1900, 5353 }) Assert.Contains(p, ports);
        Assert.All(entries, e => Assert.NotEmpty(Bytes(e.Probe)));
    }

    [Fact]
    public void EchoCarriesTheCookieAndProvesItselfOnlyWhenReturnedWhole()
    {
        var mine = Bytes(EchoProbe.Instance, 0xdeadbeef);
        Assert.Equal("rawscan deadbeef\r\n"u8.ToArray(), mine);
        Assert.Equal(EchoCheck.Proved, EchoProbe.Instance.Check(mine, 0xdeadbeef));
        Assert.Equal(EchoCheck.Unverifiable, EchoProbe.Instance.Check(mine, 0xdeadbeee));
        Assert.Equal(EchoCheck.Unverifiable, EchoProbe.Instance.Check(mine[..^1], 0xdeadbeef));
        Assert.Equal(EchoCheck.Unverifiable, EchoProbe.Instance.Check([], 0xdeadbeef));
        Assert.Equal("\r\n"u8.ToArray(), Bytes(LineProbe.Instance));
        var b = new byte[64];
        Allocation.AssertNothing(() =>
        {
            int n = 0;
            for (uint i = 0; i < 10_000; i++) n += (int)EchoProbe.Instance.Check(b.AsSpan(0, EchoProbe.Instance.Write(b, i)), i);
            return n;
        });
    }
}
