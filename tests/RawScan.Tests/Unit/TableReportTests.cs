using RawScan.Output;
using RawScan.Results;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>The printed table: nmap's blocks, written as hosts settle, with nmap's rule for what is listed.</summary>
public class TableReportTests
{
    private static PortResult Res(string ip, ushort port, PortState s, PortReason reason, byte ttl = 64, uint rtt = 0, Protocol p = Protocol.Tcp) =>
        new(Reports.Ip(ip), p, port, s, ttl, reason.HostAnswered() ? 1_736_164_800_000_000 : 0, reason, rtt);

    private static ScanHeader Header(string ports, ShownStates? show = null, bool partial = false) =>
        new("rawscan scan", Reports.Start, ScanPorts.Parse(ports, ScanTypes.Tcp), 16, "0.9.0", show, partial);

    /// <summary>One host over 1-40: 22 and 8080 open, 3 filtered (no reply), the rest closed.</summary>
    private static List<PortResult> Host1()
    {
        var rs = new List<PortResult>();
        for (ushort p = 1; p <= 40; p++)
            rs.Add(p is 22 or 8080 ? Res("198.18.0.1", p, PortState.Open, PortReason.SynAck, rtt: 50)
                : p is 25 or 26 or 27 ? Res("198.18.0.1", p, PortState.Filtered, PortReason.NoResponse, 0)
                : Res("198.18.0.1", p, PortState.Closed, PortReason.Reset, rtt: 50));
        rs[^1] = Res("198.18.0.1", 8080, PortState.Open, PortReason.SynAck, rtt: 50);     // port 40 becomes 8080
        return rs;
    }

    [Fact]
    public void AHostReadsAsNmapsWithNotShownFlagsAndFilteredListed()
    {
        var sw = new StringWriter();
        using var t = new TableWriter(sw, new StubServiceRegistry());
        t.Begin(Header("1-39,8080"));
        foreach (var r in Reports.Shuffled(Host1(), 3)) t.OnResult(r);
        t.End(Reports.Summary());
        Assert.Equal(
            """
            198.18.0.1 (up, 0.05 ms)
            Not shown: 35 closed tcp ports (reset)
            PORT     STATE    SERVICE    FLAGS
            22/tcp   open     ssh
            25/tcp   filtered smtp
            26/tcp   filtered unknown
            27/tcp   filtered unknown
            8080/tcp open     http-proxy alternate-service


            """, sw.ToString());
    }

    [Fact]
    public void ReasonAddsReasonAndTtlWithADashWhereNothingAnswered()
    {
        var sw = new StringWriter();
        using var t = new TableWriter(sw, new StubServiceRegistry(), new TableOptions(Reason: true));
        t.Begin(Header("1-39,8080"));
        foreach (var r in Host1()) t.OnResult(r);
        t.End(Reports.Summary());
        var lines = sw.ToString().Split('\n');
        Assert.Equal("PORT     STATE    SERVICE    REASON      TTL FLAGS", lines[2]);
        Assert.Equal("22/tcp   open     ssh        syn-ack     64", lines[3]);
        Assert.Equal("25/tcp   filtered smtp       no-response -", lines[4]);
        Assert.Equal("8080/tcp open     http-proxy syn-ack     64  alternate-service", lines[7]);
    }

    [Fact]
    public void AHostIsPrintedAsSoonAsEveryPortHasItsResult()
    {
        var sw = new StringWriter();
        using var t = new TableWriter(sw, new StubServiceRegistry());
        t.Begin(Header("22,80"));
        t.OnResult(Res("198.18.0.1", 22, PortState.Open, PortReason.SynAck));
        t.OnResult(Res("198.18.0.2", 22, PortState.Closed, PortReason.Reset));
        Assert.Equal("", sw.ToString());
        t.OnResult(Res("198.18.0.1", 80, PortState.Closed, PortReason.Reset));
        Assert.StartsWith("198.18.0.1 (up)\nNot shown: 1 closed tcp port (reset)\nPORT   STATE SERVICE\n22/tcp open  ssh\n", sw.ToString());
        Assert.DoesNotContain("198.18.0.2", sw.ToString());
        // A host whose ports were all silent is down: never printed, even at the end.
        t.OnResult(Res("198.18.0.3", 22, PortState.Filtered, PortReason.NoResponse, 0));
        t.OnResult(Res("198.18.0.3", 80, PortState.Filtered, PortReason.NoResponse, 0));
        t.End(Reports.Summary());
        // Printed at the end; the scan completed, so its port 80, whose result never came, is counted silent.
        Assert.Contains("198.18.0.2 (up)\nNot shown: 1 closed tcp port (reset)\nNot shown: 1 filtered tcp port (no-response)\n\n", sw.ToString());
        Assert.DoesNotContain("198.18.0.3", sw.ToString());
    }

    [Fact]
    public void SilentPortsBeforeTheFirstReplyAreStillListed()
    {
        var sw = new StringWriter();
        using var t = new TableWriter(sw, new StubServiceRegistry());
        t.Begin(Header("22,25,80"));
        t.OnResult(Res("198.18.0.1", 25, PortState.Filtered, PortReason.NoResponse, 0));   // timed out before 80's RST came
        t.OnResult(Res("198.18.0.1", 80, PortState.Closed, PortReason.Reset));
        t.OnResult(Res("198.18.0.1", 22, PortState.Closed, PortReason.Reset));
        // Settled (3 of 3) without End: the filtered port is listed (not the most common state).
        Assert.Equal("198.18.0.1 (up)\nNot shown: 2 closed tcp ports (reset)\nPORT   STATE    SERVICE\n25/tcp filtered smtp\n\n", sw.ToString());
    }

    [Fact]
    public void ShowListsTheStateItNamesAndMoreThan25OfAnyOtherStateAreFolded()
    {
        var rs = new List<PortResult>();
        for (ushort p = 1; p <= 100; p++) rs.Add(Res("198.18.0.1", p, PortState.Closed, PortReason.Reset));
        for (ushort p = 101; p <= 130; p++) rs.Add(Res("198.18.0.1", p, PortState.Filtered, PortReason.NoResponse, 0));
        rs.Add(Res("198.18.0.1", 131, PortState.Open, PortReason.SynAck));

        var sw = new StringWriter();
        using (var t = new TableWriter(sw, new StubServiceRegistry()))
        {
            t.Begin(Header("1-131"));
            foreach (var r in Reports.Shuffled(rs, 1)) t.OnResult(r);
        }
        var text = sw.ToString();
        Assert.Contains("Not shown: 100 closed tcp ports (reset)\nNot shown: 30 filtered tcp ports (no-response)\n", text);
        Assert.Contains("131/tcp open", text);
        Assert.DoesNotContain("/tcp   closed", text);

        sw = new StringWriter();
        using (var t = new TableWriter(sw, new StubServiceRegistry()))
        {
            t.Begin(Header("1-131", new ShownStates(true, false)));
            foreach (var r in Reports.Shuffled(rs, 1)) t.OnResult(r);
        }
        text = sw.ToString();
        Assert.Contains("Not shown: 30 filtered tcp ports (no-response)\n", text);
        Assert.Equal(100, text.Split('\n').Count(l => l.Contains(" closed ")));
    }

    [Fact]
    public void MemoryHoldsCountsNotTheClosedResults()
    {
        var h = new HostTallies(Header("1-5000"));
        for (ushort p = 1; p <= 5000; p++)
            h.Add(Res("198.18.0.1", p, p == 80 ? PortState.Open : PortState.Closed, p == 80 ? PortReason.SynAck : PortReason.Reset), out _);
        var host = Assert.Single(h.All());
        Assert.Single(host.Kept);                                  // the open port; 4,999 closed counted in one bucket
        Assert.Equal(4999, host.CountOf(PortState.Closed));
        Assert.Equal(2, host.Buckets.Count);
    }

    [Fact]
    public void OpenLinesPrintEachOpenPortAsItIsFound()
    {
        var sw = new StringWriter();
        using var t = new TableWriter(sw, new StubServiceRegistry(), new TableOptions(OpenLines: true));
        t.Begin(Header("443,8080,22"));
        t.OnResult(Res("198.18.0.7", 22, PortState.Closed, PortReason.Reset));
        t.OnResult(Res("198.18.0.7", 443, PortState.Open, PortReason.SynAck));
        Assert.Equal("open 443/tcp on 198.18.0.7 https\n", sw.ToString());
        t.OnResult(Res("198.18.0.7", 9999, PortState.Open, PortReason.SynAck));
        t.End(Reports.Summary());
        Assert.Equal("open 443/tcp on 198.18.0.7 https\nopen 9999/tcp on 198.18.0.7\n", sw.ToString());
    }

    /// <summary>The table flushes on its own while the scan runs: a block reaches the stream without End.</summary>
    [Fact]
    public void ABlockReachesTheStreamAtTheReceiveLoopsTickAFifthOfASecondOn()
    {
        var ms = new MemoryStream();
        var writer = new StreamWriter(ms) { AutoFlush = false };
        using var t = new TableWriter(writer, new StubServiceRegistry());
        long now = 1_700_000_000_000_000;
        t.Tick(now);
        t.Begin(Header("22"));
        t.OnResult(Res("198.18.0.1", 22, PortState.Open, PortReason.SynAck));
        Assert.Equal(0, ms.Length);                                   // buffered, not written per result...
        t.Tick(now += 100_000);
        Assert.Equal(0, ms.Length);
        t.Tick(now += 110_000);
        Assert.True(ms.Length > 0, "the block was not flushed at the first tick 200 ms on");   // ...but at the tick
    }

    /// <summary>
    /// A one-port scan writes each host straight from its result (no per-host state: a /16 sweep's
    /// receive thread fell behind formatting blocks); the text must be exactly the general block's.
    /// </summary>
    [Fact]
    public void AOnePortHostIsWrittenExactlyAsTheGeneralBlockWritesIt()
    {
        var registry = new StubServiceRegistry();
        int compared = 0;
        foreach (bool reason in new[] { false, true })
            foreach (var show in new[] { ShownStates.OpenOnly, new ShownStates(true, true) })
                foreach (var (port, p) in new (ushort, Protocol)[] { (80, Protocol.Tcp), (8080, Protocol.Tcp), (31337, Protocol.Tcp), (7, Protocol.Tcp), (12345, Protocol.Tcp), (53, Protocol.Udp), (40000, Protocol.Udp) })
                    foreach (var (state, why) in new[] { (PortState.Open, PortReason.SynAck), (PortState.Closed, PortReason.Reset),
                                 (PortState.Filtered, PortReason.AdminProhibited), (PortState.Open, PortReason.ProtoResponse), (PortState.Closed, PortReason.PortUnreach) })
                        foreach (uint rtt in new uint[] { 0, 7, 52, 123_456 })
                            foreach (byte ttl in new byte[] { 1, 64, 255 })
                            {
                                var r = Res("198.18.200.17", port, state, why, ttl, rtt, p);
                                var header = new ScanHeader("rawscan scan", Reports.Start,
                                    p == Protocol.Tcp ? new ScanPorts(PortSet.Parse($"{port}"), PortSet.None) : new ScanPorts(PortSet.None, PortSet.Parse($"{port}")), 1, "0.9.0", show);
                                var fast = new StringWriter();
                                using (var t = new TableWriter(fast, registry, new TableOptions(Reason: reason)))
                                {
                                    t.Begin(header);
                                    t.OnResult(r);
                                    t.End(Reports.Summary());
                                    Assert.Equal(1, t.HostsUp);
                                }
                                var tally = new HostTally(r.Address);
                                tally.Add(r, show);
                                var general = new TableWriter(new StringWriter(), registry, new TableOptions(Reason: reason)).Block(new HostView(tally, show));
                                Assert.Equal(general, fast.ToString());
                                compared++;
                            }
        Assert.Equal(2 * 2 * 7 * 5 * 4 * 3, compared);
    }

    [Fact]
    public void AOnePortHostThatNeverAnsweredIsDownAndNotWritten()
    {
        var sw = new StringWriter();
        using var t = new TableWriter(sw, new StubServiceRegistry());
        t.Begin(Header("80"));
        t.OnResult(Res("198.18.0.9", 80, PortState.Filtered, PortReason.NoResponse, 0));
        t.End(Reports.Summary());
        Assert.Equal("", sw.ToString());
        Assert.Equal(0, t.HostsUp);
    }
}
