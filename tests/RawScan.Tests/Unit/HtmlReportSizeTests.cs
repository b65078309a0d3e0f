using System.Text.RegularExpressions;
using RawScan.Output;
using RawScan.Output.Html;
using RawScan.Registry;
using RawScan.Results;
using RawScan.Targets;
using Xunit;
using Xunit.Abstractions;

namespace RawScan.Tests;

/// <summary>
/// The -oH report of a /16 x 80,443 (131,072 open ports over 65,536 hosts), written from synthetic results
/// (no packet is sent), opened in headless Chromium: it must load in under 10 s (the per-port tables of
/// the first version, 47.7 MB, did not open in 590 s) and say the scan's real totals, the flagged ports
/// grouped by port, and every host in closed blocks. Also what OnResult costs the receive thread.
/// </summary>
[Collection(HtmlTiming.Name)]
public sealed class HtmlReportSizeTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private readonly string _dir = Directory.CreateTempSubdirectory("rawscan-html16-").FullName;

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("RAWSCAN_KEEP_HTML") is null) Directory.Delete(_dir, recursive: true);
        else output.WriteLine($"kept {_dir}");
    }

    private static readonly StubServiceRegistry Registry = new(new()
    {
        [(Protocol.Tcp, 80)] = ("http", PortFlags.None, null),
        [(Protocol.Tcp, 443)] = ("https", PortFlags.None, null),
        [(Protocol.Tcp, 8080)] = ("http-proxy", PortFlags.AlternateService, "HTTP alternate"),
        [(Protocol.Tcp, 31337)] = ("Elite", PortFlags.Backdoor, "Back Orifice"),
    });

    private const uint Base = 0xC6120000;                // 198.18.0.0/16, the lab's range; nothing is sent

    private static bool Alternate(uint h) => h % 256 == 7;       // 8080 open: 256 hosts
    private static bool Backdoor(uint h) => h % 512 == 300;      // 31337 open: 128 hosts

    /// <summary>
    /// Every host: 80 and 443 open, 21-23 closed (RST); 256 hosts 8080 open, 128 hosts 31337 open; 256 hosts
    /// a silent 25 (filtered), 128 a silent 161/udp (open|filtered). In a scattered order, as a scan's
    /// permutation delivers them.
    /// </summary>
    private static List<PortResult> Results()
    {
        var r = new List<PortResult>(400_000);
        for (uint h = 0; h < 65536; h++)
        {
            uint a = Base | h;
            r.Add(new(a, Protocol.Tcp, 80, PortState.Open, 64, 0, PortReason.SynAck));
            r.Add(new(a, Protocol.Tcp, 443, PortState.Open, 64, 0, PortReason.SynAck));
            foreach (ushort p in (ushort[])[21, 22, 23]) r.Add(new(a, Protocol.Tcp, p, PortState.Closed, 64, 0, PortReason.Reset));
            if (Alternate(h)) r.Add(new(a, Protocol.Tcp, 8080, PortState.Open, 64, 0, PortReason.SynAck));
            if (Backdoor(h)) r.Add(new(a, Protocol.Tcp, 31337, PortState.Open, 64, 0, PortReason.SynAck));
            if (h % 256 == 100) r.Add(new(a, Protocol.Tcp, 25, PortState.Filtered, 0, 0, PortReason.NoResponse));
            if (h % 512 == 5) r.Add(new(a, Protocol.Udp, 161, PortState.OpenFiltered, 0, 0, PortReason.NoResponse));
        }
        // A bijection of the indices (odd multiplier mod 2^k, then cut back into range by cycle-walking).
        int n = r.Count, size = 1 << (32 - int.LeadingZeroCount(n - 1));
        var shuffled = new List<PortResult>(n);
        for (int i = 0; i < size; i++)
        {
            int j = (int)((uint)i * 2654435761u & (uint)(size - 1));
            if (j < n) shuffled.Add(r[j]);
        }
        Assert.Equal(n, shuffled.Count);
        return shuffled;
    }

    private static ScanSummary Summary(List<PortResult> results) => new()
    {
        End = ScanEnd.Completed, Interface = "scan0", SendPath = "sendmmsg", SourceIp = Base | 0xfffe, NextHopMac = "02:00:00:00:00:01",
        ProbesPlanned = 131072, ProbesSent = 131072, Retransmits = 0, Replies = 131072, Duplicates = 0, Forged = 0, Malformed = 0,
        Open = results.Count(r => r.State == PortState.Open), Closed = results.Count(r => r.State == PortState.Closed),
        Filtered = results.Count(r => r.State == PortState.Filtered), OpenFiltered = results.Count(r => r.State == PortState.OpenFiltered),
        Late = 0, ResetsSent = 0, SmoothedRtt = TimeSpan.FromMilliseconds(0.1), Timeout = TimeSpan.FromMilliseconds(100), KernelDrops = 0,
        SendTime = TimeSpan.FromSeconds(0.5), NextPosition = 131072, Duration = TimeSpan.FromSeconds(1.2),
    };

    private string Write(List<PortResult> results, ScanSummary summary)
    {
        string path = Path.Combine(_dir, "slash16.html");
        using var writer = new HtmlReportWriter(File.Create(path), Registry);
        writer.Begin(new ScanHeader("rawscan scan 198.18.0.0/16 -p 80,443,8080,31337,21-23,25 -sS -sU -p U:161 -oH slash16.html", DateTimeOffset.UnixEpoch,
            new ScanPorts(PortSet.Parse("21-23,25,80,443,8080,31337"), PortSet.Parse("161")), 65536, "test"));
        foreach (var r in results) writer.OnResult(r);
        writer.End(summary);
        return path;
    }

    [Fact]
    public void SlashSixteenOpensInChromiumInUnderTenSecondsWithTheRealTotals()
    {
        var results = Results();
        var s = Summary(results);
        Assert.Equal((131_072L + 256 + 128, 196_608L, 256L, 128L), (s.Open, s.Closed, s.Filtered, s.OpenFiltered));
        string path = Write(results, s);
        long bytes = new FileInfo(path).Length;
        output.WriteLine($"report: {bytes:N0} bytes");
        Assert.True(bytes < 8_000_000, $"report of {bytes:N0} bytes");

        var (dom, elapsed) = Chromium.Run(_dir, TimeSpan.FromSeconds(120), "--dump-dom", new Uri(path).AbsoluteUri);
        output.WriteLine($"chromium --dump-dom: {elapsed.TotalSeconds:0.00} s");
        Assert.True(elapsed < Limit, $"chromium took {elapsed.TotalSeconds:0.0} s to load and dump the /16 report");

        // The tiles: the scan's totals, though only open ports are listed.
        Assert.Contains("data-state=\"open\" data-count=\"131456\"><b>131,456</b>", dom);
        Assert.Contains("data-state=\"closed\" data-count=\"196608\"><b>196,608</b>", dom);
        Assert.Contains("data-state=\"filtered\" data-count=\"256\"><b>256</b>", dom);
        Assert.Contains("data-state=\"open|filtered\" data-count=\"128\"><b>128</b>", dom);
        Assert.Contains("<b>65,536</b><span>hosts with open ports, of 65,536 that answered</span>", dom);

        // The flagged ports: one row per port, its host count, and exactly its hosts.
        int at = dom.IndexOf("<section id=\"flagged\"", StringComparison.Ordinal);
        string flagged = dom[at..dom.IndexOf("</section>", at, StringComparison.Ordinal)];
        var rows = Regex.Matches(flagged, "<tr class=\"flag-(\\w+)\" data-port=\"([^\"]+)\" data-hosts=\"(\\d+)\">.*?<p class=\"mono\">([^<]*)</p>")
            .Select(m => (m.Groups[1].Value, m.Groups[2].Value, int.Parse(m.Groups[3].Value), m.Groups[4].Value)).ToList();
        Assert.Equal([("backdoor", "31337/tcp", 128), ("alternate", "8080/tcp", 256)], rows.Select(r => (r.Item1, r.Item2, r.Item3)));
        Assert.Equal(Enumerable.Range(0, 65536).Where(h => Backdoor((uint)h)).Select(h => Ipv4.Format(Base | (uint)h)), rows[0].Item4.Split(' '));
        Assert.Equal(Enumerable.Range(0, 65536).Where(h => Alternate((uint)h)).Select(h => Ipv4.Format(Base | (uint)h)), rows[1].Item4.Split(' '));
        Assert.Contains("<details class=\"addrs\"><summary>256 hosts</summary>", flagged);

        // Every host, once, ascending, in 256 closed blocks; a host's line has its ports and its unlisted answers.
        at = dom.IndexOf("<section id=\"hosts\"", StringComparison.Ordinal);
        string hosts = dom[at..];
        Assert.Equal(256, Regex.Matches(hosts, "<details class=\"block\"><summary>").Count);
        Assert.DoesNotContain("<details class=\"block\" open", hosts);
        Assert.Contains("<span class=\"addr\">198.18.0.0 \u2013 198.18.0.255</span><span class=\"counts\">256 hosts \u00b7 513 open</span>", hosts);
        var lines = Regex.Matches(hosts, "<tr><td>([0-9.]+)</td><td>(.*?)</td><td>(.*?)</td></tr>");
        Assert.Equal(65536, lines.Count);
        Assert.Equal(Enumerable.Range(0, 65536).Select(h => Ipv4.Format(Base | (uint)h)), lines.Select(m => m.Groups[1].Value));
        Assert.Equal(("80/tcp http, 443/tcp https", "3 closed"), (lines[0].Groups[2].Value, lines[0].Groups[3].Value));
        Assert.Equal(("80/tcp http, 443/tcp https, <mark class=\"alt\">8080/tcp http-proxy</mark>", "3 closed"), (lines[7].Groups[2].Value, lines[7].Groups[3].Value));
        Assert.Equal("80/tcp http, 443/tcp https, <mark class=\"bd\">31337/tcp Elite</mark>", lines[300].Groups[2].Value);

        // A filtered link (#q=) opens the blocks of the 256 hosts with 8080 open and hides every other line, also in
        // time; 198.18.x.80, whose address runs into its "80/tcp", is not one of them.
        (dom, elapsed) = Chromium.Run(_dir, TimeSpan.FromSeconds(120), "--dump-dom", new Uri(path).AbsoluteUri + "#q=8080");
        output.WriteLine($"chromium --dump-dom #q=8080: {elapsed.TotalSeconds:0.00} s");
        Assert.True(elapsed < Limit, $"chromium took {elapsed.TotalSeconds:0.0} s to load and filter the /16 report");
        Assert.Contains("256 hosts match", dom);
        hosts = dom[dom.IndexOf("<section id=\"hosts\"", StringComparison.Ordinal)..];
        var visible = Regex.Matches(hosts, "<tr><td>([0-9.]+)</td>").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(Enumerable.Range(0, 65536).Where(h => Alternate((uint)h)).Select(h => Ipv4.Format(Base | (uint)h)), visible);
        Assert.Equal(65536 - 256, Regex.Matches(hosts, "<tr hidden=\"\">").Count);
        Assert.Equal(256, Regex.Matches(hosts, "<details class=\"block\" open=\"\">").Count);
    }

    [Fact]
    public void SlashSixteenScreenshotDrawsInUnderTenSeconds()
    {
        var results = Results();
        string path = Write(results, Summary(results));
        string png = Path.Combine(_dir, "slash16.png");
        var (_, elapsed) = Chromium.Run(_dir, TimeSpan.FromSeconds(120), $"--screenshot={png}", "--window-size=1280,2400", "--hide-scrollbars", new Uri(path).AbsoluteUri);
        output.WriteLine($"chromium --screenshot: {elapsed.TotalSeconds:0.00} s ({png})");
        Assert.True(elapsed < Limit, $"chromium took {elapsed.TotalSeconds:0.0} s to draw the /16 report");
        var (width, height, pixels) = Png.Decode(File.ReadAllBytes(png));
        Assert.Equal((1280, 2400), (width, height));
        Assert.True(pixels.Count(0xffebe9) > 2000, "no backdoor row drawn in the flagged table");     // --bad-bg
        Assert.True(pixels.Count(0xfff8c5) > 2000, "no alternate-service row drawn");                   // --warn-bg
        Assert.True(pixels.Count(0x1a7f37) > 1000, "no histogram bars drawn");                          // --open
    }

    /// <summary>
    /// OnResult on the receive thread: a listed result is a store into the current 64 Ki chunk, an unlisted
    /// answer a dictionary update of its host, silence nothing; none allocates once the chunk and the hosts
    /// exist (a List that doubled would allocate in every round).
    /// </summary>
    [Fact]
    public void OnResultAllocatesNothing()
    {
        using var writer = new HtmlReportWriter(new MemoryStream(), Registry);
        writer.Begin(new ScanHeader("rawscan", DateTimeOffset.UnixEpoch, new ScanPorts(PortSet.Parse("1-1000"), PortSet.None), 256, "test"));
        for (uint h = 0; h < 256; h++) writer.OnResult(new PortResult(Base | h, Protocol.Tcp, 1, PortState.Closed, 64, 0, PortReason.Reset));
        writer.OnResult(new PortResult(Base, Protocol.Tcp, 80, PortState.Open, 64, 0, PortReason.SynAck));
        ushort port = 2;
        Allocation.AssertNothing(() =>
        {
            for (int i = 0; i < 5_000; i++, port++)
            {
                uint a = Base | (uint)(i & 255);
                writer.OnResult(new PortResult(a, Protocol.Tcp, port, PortState.Open, 64, 0, PortReason.SynAck));
                writer.OnResult(new PortResult(a, Protocol.Tcp, port, PortState.Closed, 64, 0, PortReason.Reset));
                writer.OnResult(new PortResult(a, Protocol.Tcp, port, PortState.Filtered, 0, 0, PortReason.NoResponse));
            }
            return 5_000;
        });
    }
}
