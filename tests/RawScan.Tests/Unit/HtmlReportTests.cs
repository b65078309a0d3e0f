using System.Text;
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
/// The -oH report, rendered by headless Chromium (Debian's chromium package): what the browser parsed
/// (--dump-dom) has the three charts with the right bars, the flagged ports with their notes and the
/// host tables; what it drew (--screenshot) is a full page with the highlight colours on it. Chromium
/// is required, not optional: run-scan.sh installs it.
/// </summary>
public sealed class HtmlReportTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rawscan-html-").FullName;

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("RAWSCAN_KEEP_HTML") is null) Directory.Delete(_dir, recursive: true);
        else output.WriteLine($"kept {_dir}");
    }

    private static readonly StubServiceRegistry Registry = new(new()
    {
        [(Protocol.Tcp, 22)] = ("ssh", PortFlags.None, null),
        [(Protocol.Tcp, 23)] = ("telnet", PortFlags.None, null),
        [(Protocol.Tcp, 25)] = ("smtp", PortFlags.None, null),
        [(Protocol.Tcp, 80)] = ("http", PortFlags.None, null),
        [(Protocol.Tcp, 443)] = ("https", PortFlags.None, null),
        [(Protocol.Tcp, 3389)] = ("ms-wbt-server", PortFlags.None, null),
        [(Protocol.Tcp, 8080)] = ("http-alt", PortFlags.AlternateService, "HTTP alternate"),
        [(Protocol.Tcp, 12345)] = ("netbus", PortFlags.Backdoor, "NetBus"),
        [(Protocol.Tcp, 31337)] = ("Elite", PortFlags.Backdoor, "Back Orifice"),
        [(Protocol.Udp, 53)] = ("domain", PortFlags.None, null),
        [(Protocol.Udp, 123)] = ("ntp", PortFlags.None, null),
        [(Protocol.Udp, 161)] = ("snmp", PortFlags.None, null),
    });

    private static uint Host(int i) => Ipv4.TryParse($"198.51.100.{i}", out uint a) ? a : throw new InvalidOperationException();

    /// <summary>
    /// Six hosts. Open per host: .1 six (two flagged), .2 five (one backdoor), .3 four (one backdoor, the
    /// same port as .1's), .4 one (and 199 filtered by silence: a collapsed row when listed), .5 none (closed
    /// only), .6 three. 19 open in all. .1's filtered port answered (ICMP admin-prohibited), the rest did not.
    /// </summary>
    private static List<PortResult> Results()
    {
        var r = new List<PortResult>();
        void Add(int host, Protocol p, ushort port, PortState s, PortReason why = PortReason.Unknown) =>
            r.Add(new PortResult(Host(host), p, port, s, s == PortState.OpenFiltered || why == PortReason.NoResponse ? (byte)0 : (byte)64, 0,
                                 why != PortReason.Unknown ? why : PortReasonNames.Default(s, p)));
        foreach (ushort port in (ushort[])[22, 80, 443, 8080, 31337]) Add(1, Protocol.Tcp, port, PortState.Open);
        Add(1, Protocol.Tcp, 25, PortState.Closed);
        Add(1, Protocol.Tcp, 23, PortState.Filtered, PortReason.AdminProhibited);
        Add(1, Protocol.Udp, 53, PortState.Open);
        Add(1, Protocol.Udp, 161, PortState.OpenFiltered);
        foreach (ushort port in (ushort[])[22, 80, 12345]) Add(2, Protocol.Tcp, port, PortState.Open);
        Add(2, Protocol.Tcp, 3389, PortState.Closed);
        Add(2, Protocol.Udp, 53, PortState.Open);
        Add(2, Protocol.Udp, 123, PortState.Open);
        foreach (ushort port in (ushort[])[80, 443, 31337, 49152]) Add(3, Protocol.Tcp, port, PortState.Open);
        for (ushort port = 1; port <= 200; port++) Add(4, Protocol.Tcp, port, port == 22 ? PortState.Open : PortState.Filtered);
        Add(5, Protocol.Tcp, 22, PortState.Closed);
        Add(5, Protocol.Tcp, 80, PortState.Closed);
        Add(6, Protocol.Tcp, 22, PortState.Open);
        Add(6, Protocol.Udp, 161, PortState.Open);
        Add(6, Protocol.Udp, 50000, PortState.Open);
        // Arrival order is the permutation's, not the report's.
        return [.. r.OrderBy(x => (x.Port * 2654435761u) ^ x.Address)];
    }

    private static ScanSummary Summary(IReadOnlyCollection<PortResult> results) => new()
    {
        End = ScanEnd.Completed, Interface = "veth-scan", SendPath = "sendmmsg", SourceIp = Host(254), NextHopMac = "02:00:00:00:00:01",
        ProbesPlanned = 1236, ProbesSent = 1300, Retransmits = 64, Replies = 420, Duplicates = 2, Forged = 0, Malformed = 0,
        Open = results.Count(r => r.State == PortState.Open), Closed = results.Count(r => r.State == PortState.Closed),
        Filtered = results.Count(r => r.State == PortState.Filtered), OpenFiltered = results.Count(r => r.State == PortState.OpenFiltered),
        Late = 1, ResetsSent = 0, SmoothedRtt = TimeSpan.FromMilliseconds(0.4), Timeout = TimeSpan.FromMilliseconds(250), KernelDrops = 0,
        SendTime = TimeSpan.FromSeconds(0.13), NextPosition = 1236, Duration = TimeSpan.FromSeconds(1.62),
    };

    private static ScanHeader Header(string commandLine, ShownStates? show = null) =>
        new(commandLine, new DateTimeOffset(2025, 6, 1, 14, 30, 5, TimeSpan.Zero),
            new ScanPorts(PortSet.Parse("1-1000,3389,8080,12345,31337,49152"), PortSet.Parse("53,123,161,50000")), 6, "0.9.0-test", show);

    /// <summary>Every result goes to the writer, as the scanner hands them over; <paramref name="show"/> is --show.</summary>
    private static string Write(string path, IServiceRegistry registry, string commandLine, IReadOnlyCollection<PortResult> results, ShownStates? show = null)
    {
        using (var writer = new HtmlReportWriter(File.Create(path), registry))
        {
            writer.Begin(Header(commandLine, show));
            foreach (var r in results) writer.OnResult(r);
            writer.End(Summary(results));
        }
        return File.ReadAllText(path);
    }

    private string Report(out string path, ShownStates? show = null)
    {
        path = Path.Combine(_dir, show is null ? "report.html" : "report-all.html");
        return Write(path, Registry, "rawscan 198.51.100.0/29 -p T:1-1000,3389,8080,12345,31337,49152,U:53,123,161,50000 -sS -sU --rate 10000 -oH report.html", Results(), show);
    }

    // ---- what Chromium parsed ----

    [Fact]
    public void ChromiumShowsTheThreeCharts()
    {
        Report(out string path);
        string dom = DumpDom(path);

        string services = Svg(dom, "chart-services");
        Assert.Contains("role=\"img\"", services);
        Assert.Contains("aria-labelledby=\"chart-services-title chart-services-desc\"", services);
        Assert.Contains("<title id=\"chart-services-title\">Open ports by service</title>", services);
        Assert.Contains("open ports</text>", services);                                  // the axis label
        var bars = Bars(services);
        Assert.Equal(("ssh", "", 4L), bars[0]);                                           // most first
        Assert.Equal(("http", "", 3L), bars[1]);
        Assert.Equal(new Dictionary<string, long>
        {
            ["ssh"] = 4, ["http"] = 3, ["domain"] = 2, ["https"] = 2, ["unknown"] = 2,
            ["Elite"] = 2, ["http-alt"] = 1, ["netbus"] = 1, ["ntp"] = 1, ["snmp"] = 1,
        }, bars.ToDictionary(b => b.Label, b => b.Value));
        foreach (var b in bars)                                                           // numbers on the bars
            Assert.Matches($"<text class=\"value\"[^>]*>{b.Value}</text>", BarElement(services, b.Label, ""));

        string classes = Svg(dom, "chart-classes");
        Assert.Contains("<title id=\"chart-classes-title\">Open ports by port class</title>", classes);
        Assert.Equal(
            [("well-known", "tcp", 9L), ("well-known", "udp", 4L), ("registered", "tcp", 4L), ("registered", "udp", 0L), ("dynamic", "tcp", 1L), ("dynamic", "udp", 1L)],
            Bars(classes));
        Assert.Contains(">tcp</text>", classes);                                          // the legend
        Assert.Contains(">udp</text>", classes);

        string hosts = Svg(dom, "chart-hosts");
        Assert.Contains("<title id=\"chart-hosts-title\">Hosts by number of open ports</title>", hosts);
        Assert.Contains("open ports per host</text>", hosts);
        Assert.Equal([("1", "hosts", 1L), ("2", "hosts", 0L), ("3", "hosts", 1L), ("4", "hosts", 1L), ("5", "hosts", 1L), ("6", "hosts", 1L)], Bars(hosts));
        Assert.Contains("1 more host answered with no open port", dom);
    }

    [Fact]
    public void ChromiumShowsTheFlaggedPortsGroupedByPort()
    {
        Report(out string path);
        string dom = DumpDom(path);
        string flagged = Section(dom, "flagged");
        var rows = Regex.Matches(flagged, "<tr class=\"flag-(backdoor|alternate)\" data-port=\"([^\"]+)\" data-hosts=\"(\\d+)\">(.*?)</tr>")
            .Select(m => (Flag: m.Groups[1].Value, Port: m.Groups[2].Value, Hosts: int.Parse(m.Groups[3].Value), Cells: m.Groups[4].Value)).ToList();
        // One row per port, backdoors first: 31337 is open on two hosts and is one row.
        Assert.Equal([("backdoor", "12345/tcp", 1), ("backdoor", "31337/tcp", 2), ("alternate", "8080/tcp", 1)], rows.Select(r => (r.Flag, r.Port, r.Hosts)));
        Assert.Contains("NetBus", rows[0].Cells);
        Assert.Contains("Back Orifice", rows[1].Cells);
        Assert.Contains("HTTP alternate", rows[2].Cells);
        Assert.Contains("<span class=\"badge backdoor\">backdoor</span>", rows[0].Cells);
        Assert.Contains("<span class=\"badge alternate\">alternate service</span>", rows[2].Cells);
        // The hosts, ascending, in a details element (open: few enough to show at once).
        Assert.Matches("<details class=\"addrs\" open=\"\"><summary>2 hosts</summary><p class=\"mono\">198.51.100.1 198.51.100.3</p></details>", rows[1].Cells);
        Assert.Contains(">198.51.100.2</p>", rows[0].Cells);
        // Only open ports are flagged, and the host tables highlight them too.
        Assert.Matches("<tr class=\"st-open flag-backdoor\" data-port=\"31337/tcp\"", dom);
        Assert.Matches("<tr class=\"st-open flag-alternate\" data-port=\"8080/tcp\"", dom);
    }

    [Fact]
    public void FlaggedPortOfManyHostsListsThemOnDemand()
    {
        var results = new List<PortResult>();
        for (int i = 1; i <= 40; i++) results.Add(new PortResult(Host(i), Protocol.Tcp, 8080, PortState.Open, 64, 0, PortReason.SynAck));
        string html = Write(Path.Combine(_dir, "many.html"), Registry, "rawscan 198.51.100.0/26 -p 8080", results);
        var row = Regex.Match(html, "<tr class=\"flag-alternate\" data-port=\"8080/tcp\" data-hosts=\"40\">.*?</tr>");
        Assert.True(row.Success, "no one row for 8080 with its 40 hosts");
        Assert.Single(Regex.Matches(html, "<tr class=\"flag-"));
        Assert.Contains("<details class=\"addrs\"><summary>40 hosts</summary>", row.Value);              // closed: on demand
        Assert.Equal(40, Regex.Matches(row.Value, @"198\.51\.100\.\d+").Count);
    }

    [Fact]
    public void TilesAreTheScansTotalsWhenOnlyOpenPortsAreListed()
    {
        Report(out string path);                                                         // default --show: open only
        string dom = DumpDom(path);
        // The summary's totals, though not one closed or filtered port is listed.
        Assert.Contains("data-state=\"open\" data-count=\"19\"><b>19</b>", dom);
        Assert.Contains("data-state=\"closed\" data-count=\"4\"><b>4</b>", dom);
        Assert.Contains("data-state=\"filtered\" data-count=\"200\"><b>200</b>", dom);
        Assert.Contains("data-state=\"open|filtered\" data-count=\"1\"><b>1</b>", dom);
        Assert.Contains("<b>5</b><span>hosts with open ports, of 6 that answered</span>", dom);

        string hosts = Section(dom, "hosts");
        Assert.DoesNotContain("data-state=\"closed\"", hosts);
        Assert.DoesNotContain("data-state=\"filtered\"", hosts);
        Assert.Contains("Not listed (--show lists them): 4 closed, 200 filtered, 1 open|filtered", hosts);
        // What a host answered that is not listed is on its line; silence (.4's 199) is not per host.
        Assert.Contains("6 open \u00b7 not listed: 1 closed, 1 filtered</span>", Host(hosts, "198.51.100.1"));
        Assert.Contains("<span class=\"counts\">1 open</span>", Host(hosts, "198.51.100.4"));
        Assert.Contains("<span class=\"counts\">not listed: 2 closed</span>", Host(hosts, "198.51.100.5"));
    }

    [Fact]
    public void ChromiumShowsEveryHostWithItsListedResults()
    {
        Report(out string path, new ShownStates(Closed: true, Filtered: true));
        string dom = DumpDom(path);
        string hosts = Section(dom, "hosts");
        var order = Regex.Matches(hosts, "<details class=\"host( no-open)?\" open=\"\" data-host=\"([^\"]+)\">").Select(m => (m.Groups[2].Value, m.Groups[1].Success)).ToList();
        Assert.Equal([("198.51.100.1", false), ("198.51.100.2", false), ("198.51.100.3", false), ("198.51.100.4", false), ("198.51.100.5", true), ("198.51.100.6", false)], order);

        string h1 = Host(hosts, "198.51.100.1");
        Assert.Contains("6 open \u00b7 1 closed \u00b7 1 filtered \u00b7 1 open|filtered</span>", h1);
        // Every state listed, ports ascending, tcp before udp.
        var ports = Regex.Matches(h1, "<tr class=\"st-([a-z]+)[^\"]*\" data-port=\"([^\"]+)\" data-state=\"([^\"]+)\">").Select(m => $"{m.Groups[2].Value} {m.Groups[3].Value}").ToList();
        Assert.Equal(["22/tcp open", "23/tcp filtered", "25/tcp closed", "80/tcp open", "443/tcp open", "8080/tcp open", "31337/tcp open", "53/udp open", "161/udp open|filtered"], ports);
        Assert.Matches("<td class=\"port\">22/tcp</td><td class=\"state\">open</td><td>ssh</td><td>syn-ack</td><td class=\"num\">64</td>", h1);
        Assert.Matches("<td class=\"port\">23/tcp</td><td class=\"state\">filtered</td><td>telnet</td><td>admin-prohibited</td>", h1);

        // 199 filtered ports of one host: one row of ranges, the open port in between still its own row.
        string h4 = Host(hosts, "198.51.100.4");
        Assert.Contains("<span class=\"state\">199 filtered</span> tcp ports: <span class=\"mono\">1\u201321, 23\u2013200</span>", h4);
        Assert.Matches("data-port=\"22/tcp\" data-state=\"open\"", h4);

        Assert.Contains("data-state=\"open\" data-count=\"19\"", dom);                    // the header's counts
        Assert.Contains("data-state=\"filtered\" data-count=\"200\"", dom);
        Assert.Contains("rawscan 198.51.100.0/29 -p T:1-1000", dom);                     // the command line
        Assert.Contains("1,300 (64 retransmitted)", dom);
    }

    [Fact]
    public void FilterFromTheAddressHidesTheOtherHosts()
    {
        Report(out string path);
        // The script runs (the CSP allows it by hash) and shows the filter box; #q= fills it in.
        string dom = DumpDom(path, "#q=31337%20elite");
        Assert.Matches("<p id=\"filter-box\">", dom);
        Assert.Contains("2 hosts match", dom);
        string hosts = Section(dom, "hosts");
        var shown = Regex.Matches(hosts, "<details class=\"host[^\"]*\" open=\"\" data-host=\"([^\"]+)\">").Select(m => m.Groups[1].Value).ToList();
        var hidden = Regex.Matches(hosts, "<details class=\"host[^\"]*\" open=\"\" data-host=\"([^\"]+)\" hidden=\"\">").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["198.51.100.1", "198.51.100.3"], shown);
        Assert.Equal(["198.51.100.2", "198.51.100.4", "198.51.100.5", "198.51.100.6"], hidden);

        // Without the fragment nothing is hidden, and the box says nothing.
        dom = DumpDom(path);
        Assert.DoesNotContain("hidden=\"\"", Section(dom, "hosts"));
        Assert.Matches("<span id=\"filter-status\" role=\"status\"></span>", dom);
    }

    // ---- what Chromium drew ----

    [Fact]
    public void ChromiumScreenshotShowsThePage()
    {
        Report(out string path);
        string png = Path.Combine(_dir, "report.png");
        RunChromium($"--screenshot={png}", "--window-size=1280,2000", "--hide-scrollbars", new Uri(path).AbsoluteUri);
        byte[] bytes = File.ReadAllBytes(png);
        output.WriteLine($"screenshot {png}: {bytes.Length} bytes");
        Assert.True(bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a]), "not a PNG");
        Assert.True(bytes.Length > 40_000, $"screenshot only {bytes.Length} bytes: the page did not draw");

        var (width, height, pixels) = Png.Decode(bytes);
        Assert.Equal((1280, 2000), (width, height));
        // The colours of the stylesheet's marks, each on enough pixels to be a drawn shape, not a stray edge.
        Assert.True(pixels.Count(0x0969da) > 2000, "no service/tcp bars drawn");             // --accent / --tcp
        Assert.True(pixels.Count(0xbf3989) > 500, "no udp bars drawn");                      // --udp
        Assert.True(pixels.Count(0x1a7f37) > 1000, "no histogram bars drawn");               // --open
        Assert.True(pixels.Count(0xcf222e) > 300, "no backdoor highlight drawn");            // --bad (badge, row mark)
        Assert.True(pixels.Count(0xffebe9) > 5000, "no backdoor row background drawn");      // --bad-bg
        Assert.True(pixels.Count(0xfff8c5) > 2000, "no alternate-service row background drawn");
    }

    // ---- the file itself ----

    [Fact]
    public void ReferencesNothingExternal()
    {
        string html = Report(out _);
        Assert.DoesNotMatch(new Regex("""(src|href|action|xlink:href)\s*=\s*["']?\s*(https?:)?//""", RegexOptions.IgnoreCase), html);
        Assert.DoesNotContain("http://", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https://", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
        Assert.All(Regex.Matches(html, "href=\"([^\"]*)\"").Select(m => m.Groups[1].Value), h => Assert.StartsWith("#", h));
        Assert.Contains("default-src 'none'", html);                                    // the CSP says it to the browser too

        // One inline script, no src, allowed by its own hash and nothing else; it asks nothing of the network.
        string script = OnlyScript(html);
        string csp = Regex.Match(html, "<meta http-equiv=\"Content-Security-Policy\" content=\"([^\"]*)\">").Groups[1].Value;
        string hash = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(script)));
        Assert.Equal($"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{hash}'", csp);
        foreach (string word in (string[])["fetch", "XMLHttpRequest", "import", "WebSocket", "sendBeacon", "src", "eval", "innerHTML", "//"])
            Assert.DoesNotContain(word, script, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The page's one script element's text; fails when there is another.</summary>
    private static string OnlyScript(string html)
    {
        var scripts = Regex.Matches(html, "<script\\b([^>]*)>(.*?)</script>", RegexOptions.Singleline | RegexOptions.IgnoreCase);
        Assert.Single(scripts);
        Assert.Equal("", scripts[0].Groups[1].Value);
        Assert.Single(Regex.Matches(html, "<script", RegexOptions.IgnoreCase));
        return scripts[0].Groups[2].Value;
    }

    [Fact]
    public void EscapesHostileTextFromData()
    {
        const string Hostile = "<script>alert(1)</script>";
        var registry = new StubServiceRegistry(new()
        {
            [(Protocol.Tcp, 80)] = (Hostile, PortFlags.None, null),
            [(Protocol.Tcp, 31337)] = ("bo\"<u>x", PortFlags.Backdoor, "<img src=x onerror=alert(2)> & 'quoted'"),
        });
        PortResult[] results = [new(Host(1), Protocol.Tcp, 80, PortState.Open, 64, 0), new(Host(1), Protocol.Tcp, 31337, PortState.Open, 64, 0)];
        string path = Path.Combine(_dir, "hostile.html");
        string html = Write(path, registry, $"rawscan 198.51.100.1 -p 80 --note \"{Hostile}\" </title><style>", results);

        Assert.DoesNotContain("alert", OnlyScript(html));                                 // the page's own script only
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<u>", html);
        Assert.Contains("bo&quot;&lt;u&gt;x", html);
        Assert.Contains("--note &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot; &lt;/title&gt;&lt;style&gt;</title><style>", html); // the page's title still ends where it should
        Assert.Single(Regex.Matches(html, "<style>"));
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);                  // in the table, the chart label and the command line
        Assert.Contains("data-label=\"&lt;script&gt;alert(1)&lt;/script&gt;\"", html);
        Assert.Contains("&lt;img src=x onerror=alert(2)&gt; &amp; &#39;quoted&#39;", html);

        // And the browser agrees: the text is text, no element came of it.
        string dom = DumpDom(path);
        Assert.Single(Regex.Matches(dom, "<script", RegexOptions.IgnoreCase));
        Assert.DoesNotContain("<img", dom, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", Svg(dom, "chart-services"));
        Assert.Contains("--note \"&lt;script&gt;alert(1)&lt;/script&gt;\" &lt;/title&gt;&lt;style&gt;", dom);
    }

    [Fact]
    public void ZeroResultsStillRender()
    {
        string path = Path.Combine(_dir, "empty.html");
        string html = Write(path, Registry, "rawscan 198.51.100.9 -p 1", []);
        Assert.EndsWith("</html>\n", html);

        string dom = DumpDom(path);
        foreach (string id in (string[])["chart-services", "chart-classes", "chart-hosts"])
            Assert.Contains("class=\"empty\"", Svg(dom, id));
        Assert.Empty(Bars(Svg(dom, "chart-services")));
        Assert.All(Bars(Svg(dom, "chart-classes")), b => Assert.Equal(0, b.Value));
        Assert.Contains("No open port is a known backdoor", dom);
        Assert.Contains("No host to list", Section(dom, "hosts"));
        Assert.Contains("data-state=\"open\" data-count=\"0\"", dom);
    }

    [Fact]
    public void HistogramBinsStayFewForHostsWithManyOpenPorts()
    {
        var (bins, counts) = HtmlReportWriter.Histogram([1, 2, 10, 11, 20, 21, 50, 51, 100, 101, 999]);
        Assert.Equal(["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11\u201320", "21\u201350", "51\u2013100", "101\u2013200", "201\u2013500", "501\u2013999"], bins);
        Assert.Equal([1L, 1, 0, 0, 0, 0, 0, 0, 0, 1, 2, 2, 2, 1, 0, 1], counts);
    }

    // ---- helpers ----

    private static string Svg(string dom, string id)
    {
        int start = dom.IndexOf($"<svg id=\"{id}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no <svg id=\"{id}\"> in the rendered DOM");
        return dom[start..(dom.IndexOf("</svg>", start, StringComparison.Ordinal) + 6)];
    }

    private static string Section(string dom, string id)
    {
        int start = dom.IndexOf($"<section id=\"{id}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no section {id} in the rendered DOM");
        return dom[start..(dom.IndexOf("</section>", start, StringComparison.Ordinal) + 10)];
    }

    private static string Host(string hosts, string ip)
    {
        int start = hosts.IndexOf($"data-host=\"{ip}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no host {ip}");
        return hosts[start..hosts.IndexOf("</details>", start, StringComparison.Ordinal)];
    }

    private static List<(string Label, string Series, long Value)> Bars(string svg) =>
        [.. Regex.Matches(svg, "<g class=\"bar [^\"]*\" data-label=\"([^\"]*)\"(?: data-series=\"([^\"]*)\")? data-value=\"(\\d+)\">")
            .Select(m => (m.Groups[1].Value, m.Groups[2].Value, long.Parse(m.Groups[3].Value)))];

    private static string BarElement(string svg, string label, string series)
    {
        var m = Regex.Match(svg, $"<g class=\"bar [^\"]*\" data-label=\"{Regex.Escape(label)}\"{(series.Length > 0 ? $" data-series=\"{series}\"" : "")} data-value=\"\\d+\">.*?</g>");
        Assert.True(m.Success, $"no bar {label}");
        return m.Value;
    }

    private string DumpDom(string path, string fragment = "") => Chromium.Run(_dir, TimeSpan.FromSeconds(120), "--dump-dom", new Uri(path).AbsoluteUri + fragment).Stdout;

    private void RunChromium(params string[] args) => Chromium.Run(_dir, TimeSpan.FromSeconds(120), args);
}
