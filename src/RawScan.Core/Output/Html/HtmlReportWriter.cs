using System.Globalization;
using System.Text;
using RawScan.Output.Html.Internal;
using RawScan.Registry;
using RawScan.Results;
using RawScan.Targets;
using static RawScan.Output.Html.Internal.HtmlText;
using P = RawScan.Output.Html.Internal.PackedResult;

namespace RawScan.Output.Html;

/// <summary>
/// <c>-oH FILE</c>: one self-contained HTML page for people who would rather look than read: the scan's
/// facts and totals, three charts (open ports by service, by port class and protocol, hosts by number of
/// open ports), the flagged open ports grouped by port, and the hosts with their listed ports. Inline CSS,
/// server-drawn inline SVG and one inline script (the host filter, allowed by its hash): nothing is
/// fetched, and a Content-Security-Policy of default-src 'none' says so to the browser too.
/// <para>
/// Every result arrives (the <see cref="IReportWriter"/> contract); the states of
/// <see cref="ScanHeader.Shown"/> are kept, 8 bytes each (<see cref="PackedResult"/>, in
/// <see cref="ResultBuffer"/>'s chunks); the others are counted per host when the host answered them
/// (<see cref="HiddenTable"/>), and not kept when they are silence. The tiles are the scan's totals
/// (<see cref="ScanSummary"/>), never the listed rows. No string is made and the registry is not asked
/// until <see cref="End"/>. <see cref="OnResult"/> runs on the receive thread, its one writer; <see cref="End"/>
/// comes after that thread has been joined, so no lock is needed.
/// </para>
/// <para>
/// Size: a browser lays out what it is given, and 65,536 hosts of per-port tables (47.7 MB) did not open
/// in headless Chromium in 590 s. Up to <see cref="ExpandedHosts"/> hosts each get a table of their
/// ports; past that, hosts go into closed blocks of <see cref="BlockHosts"/>, one short row per host
/// (about 60 bytes for two open ports), which the browser parses but does not lay out until opened.
/// </para>
/// </summary>
public sealed class HtmlReportWriter(Stream output, IServiceRegistry registry, bool leaveOpen = false) : IReportWriter
{
    /// <summary>Charted services; the rest are summed in a line under the chart.</summary>
    public const int TopServices = 15;

    /// <summary>
    /// A host's listed closed/filtered ports of one protocol beyond this many are written as port ranges
    /// (nmap's "Not shown: 997 filtered ports", but keeping which).
    /// </summary>
    public const int ListedPerState = 24;

    /// <summary>Up to this many hosts, each is its own open section with a table of its ports.</summary>
    public const int ExpandedHosts = 256;

    /// <summary>Past <see cref="ExpandedHosts"/>, hosts per closed block (a /24 when every address answered).</summary>
    public const int BlockHosts = 256;

    /// <summary>A flagged port's hosts are shown at once up to this many; past it, on demand.</summary>
    public const int FlaggedHostsOpen = 8;

    private readonly ResultBuffer _listed = new();
    private HiddenTable _hidden = new(0);
    private readonly Dictionary<int, ServiceInfo> _services = [];
    private readonly Dictionary<int, string> _labels = [];
    private ShownStates _shown = ShownStates.OpenOnly;
    private ScanHeader? _header;
    private bool _written;

    public void Begin(ScanHeader header)
    {
        _header = header;
        _shown = header.Shown;
        _hidden = new HiddenTable((int)Math.Min(header.Targets, 4096));
    }

    /// <summary>
    /// Receive thread, per result: a store into the current chunk, or one dictionary update for an
    /// unlisted answer, or nothing for unlisted silence. Nothing allocated but a chunk per 65,536 listed
    /// results and the dictionary's growth per answering host.
    /// </summary>
    public void OnResult(in PortResult result)
    {
        if (_shown.Includes(result.State)) _listed.Add(P.Pack(result));
        else if (result.Answered) _hidden.Add(result.Address, result.State);
    }

    /// <summary>An open port with its banner finding (--banners): listed as any result, and kept for the banners and mismatches sections.</summary>
    public void OnService(in PortResult result, ServiceFinding service)
    {
        OnResult(result);
        if (service is not null && _shown.Includes(result.State))
            (_findings ??= []).TryAdd((result.Address, Key(result.Protocol, result.Port)), service);
    }

    /// <summary>Banner findings by (address, protocol and port); null until the first (a scan without --banners keeps nothing more).</summary>
    private Dictionary<(UInt128 Address, int Port), ServiceFinding>? _findings;

    /// <summary>At most this many ports' banners are written (a /16 sweep's 65,536 would make a page no browser opens); the rest are counted.</summary>
    public const int MaxBanners = 2048;

    public void End(ScanSummary summary)
    {
        if (_written) return;
        _written = true;
        var rows = _listed.ToSortedArray();
        var w = new StreamWriter(output, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
        Render(w, rows, summary);
        w.Flush();
        output.Flush();
    }

    public void Dispose()
    {
        if (!leaveOpen) output.Dispose();
    }

    private static int Key(Protocol proto, ushort port) => (int)proto << 16 | port;

    private ServiceInfo Info(Row row)
    {
        int key = Key(P.Protocol(row), P.Port(row));
        if (!_services.TryGetValue(key, out var info)) _services[key] = info = registry.Lookup(P.Protocol(row), P.Port(row));
        return info;
    }

    private static string ServiceName(ServiceInfo info) => string.IsNullOrEmpty(info.Name) ? "unknown" : info.Name;

    /// <summary>One host as listed: its rows in the sorted array, and what it answered that is not listed.</summary>
    private readonly record struct HostSpan(UInt128 Address, int Start, int End, int Open, bool Answered, HiddenCounts Hidden);

    /// <summary>What the charts and the header count, in one pass over the sorted results.</summary>
    private sealed class Tally
    {
        public readonly long[,] OpenByClass = new long[3, 2];            // [class, tcp=0 udp=1]
        public readonly Dictionary<string, long> OpenByService = new(StringComparer.Ordinal);
        public readonly List<int> OpenPerHost = [];                       // hosts with at least one open port
        public readonly SortedDictionary<int, List<UInt128>> Flagged = [];   // (proto, port) -> hosts, ascending
        public readonly List<HostSpan> Hosts = [];
        public int Answered;
        public bool SawTcp, SawUdp;
    }

    private Tally Count(ReadOnlySpan<Row> rows)
    {
        var t = new Tally();
        var hidden = _hidden.SortedHosts();
        int h = 0;
        for (int i = 0; i < rows.Length || h < hidden.Length;)
        {
            // Merge the listed rows (grouped by address) with the hosts that only answered unlisted states.
            UInt128 address = i < rows.Length ? P.Address(rows[i]) : UInt128.MaxValue;
            if (h < hidden.Length && (i >= rows.Length || hidden[h] < address))
            {
                AddHost(t, new HostSpan(hidden[h], i, i, 0, true, _hidden[hidden[h]]));
                h++;
                continue;
            }
            int end = i, open = 0;
            bool answered = false;
            for (; end < rows.Length && P.Address(rows[end]) == address; end++)
            {
                Row r = rows[end];
                answered |= P.Answered(r);
                if (P.Protocol(r) == Protocol.Tcp) t.SawTcp = true; else t.SawUdp = true;
                if (P.State(r) != PortState.Open) continue;
                open++;
                var info = Info(r);
                t.OpenByClass[(int)info.Class, P.Protocol(r) == Protocol.Tcp ? 0 : 1]++;
                string name = ServiceName(info);
                t.OpenByService[name] = t.OpenByService.GetValueOrDefault(name) + 1;
                if (info.Flags != PortFlags.None)
                {
                    int key = Key(P.Protocol(r), P.Port(r));
                    if (!t.Flagged.TryGetValue(key, out var hosts)) t.Flagged[key] = hosts = [];
                    hosts.Add(address);
                }
            }
            var hid = default(HiddenCounts);
            if (h < hidden.Length && hidden[h] == address) { hid = _hidden[address]; h++; answered = true; }
            AddHost(t, new HostSpan(address, i, end, open, answered, hid));
            if (open > 0) t.OpenPerHost.Add(open);
            i = end;
        }
        return t;

        static void AddHost(Tally t, HostSpan host)
        {
            t.Hosts.Add(host);
            if (host.Answered) t.Answered++;
        }
    }

    private void Render(TextWriter w, ReadOnlySpan<Row> rows, ScanSummary s)
    {
        var t = Count(rows);
        string version = _header?.Version ?? "";
        w.Write("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        w.Write("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src ");
        w.Write(ReportScript.CspSource);
        w.Write("\">");
        w.Write("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"color-scheme\" content=\"light\">");
        w.Write("<meta name=\"generator\" content=\"RawScan ");
        Text(w, version);
        w.Write("\"><title>RawScan report");
        if (_header is not null) { w.Write(" \u2014 "); Text(w, Clip(_header.CommandLine, 80)); }
        w.Write("</title><style>");
        w.Write(ReportStyle.Css);
        w.Write("</style></head>\n<body><main>\n");

        WriteHeader(w, s, t);
        WriteCharts(w, t);
        WriteFlagged(w, t);
        if (_findings is not null)
        {
            var found = _findings.OrderBy(kv => kv.Key.Address).ThenBy(kv => kv.Key.Port).ToList();
            WriteMismatches(w, found);
            WriteBanners(w, found);
        }
        WriteHosts(w, rows, t, s);

        w.Write("<footer>Written by RawScan ");
        Text(w, version);
        w.Write(". This page is self-contained: inline styles and charts, one inline script (the host filter; the page works without it), nothing loaded from the network.</footer>\n");
        w.Write("</main><script>");
        w.Write(ReportScript.Js);
        w.Write("</script></body></html>\n");
    }

    private void WriteHeader(TextWriter w, ScanSummary s, Tally t)
    {
        w.Write("<header id=\"summary\"><h1>RawScan report</h1><p class=\"sub\">");
        if (_header is not null)
        {
            w.Write($"{N((long)_header.Targets)} target address{(_header.Targets == 1 ? "" : "es")}, ");
            w.Write($"{N(_header.Ports.Tcp.Count)} TCP and {N(_header.Ports.Udp.Count)} UDP port{(_header.Ports.Udp.Count == 1 ? "" : "s")}");
        }
        w.Write("</p><nav><a href=\"#summary\">Summary</a><a href=\"#charts\">Charts</a><a href=\"#flagged\">Flagged ports</a>");
        if (_findings is not null) w.Write("<a href=\"#mismatches\">Registry mismatches</a><a href=\"#banners\">Banners</a>");
        w.Write("<a href=\"#hosts\">Hosts</a></nav>\n");

        if (s.End != ScanEnd.Completed)
        {
            w.Write($"<p class=\"end-{(s.End == ScanEnd.Failed ? "failed" : "interrupted")}\"><b>Scan {(s.End == ScanEnd.Failed ? "failed" : "interrupted")}</b>");
            if (!string.IsNullOrEmpty(s.Error)) { w.Write(": "); Text(w, s.Error); }
            w.Write(". The results below are what was found until then.</p>\n");
        }

        w.Write("<dl class=\"facts\">");
        Fact(w, "Scanner", $"RawScan {_header?.Version}");
        Fact(w, "Started", _header is null ? "" : _header.Start.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture));
        Fact(w, "Duration", Duration(s.Duration));
        Fact(w, "Probes sent", s.Retransmits > 0 ? $"{N(s.ProbesSent)} ({N(s.Retransmits)} retransmitted)" : N(s.ProbesSent));
        Fact(w, "Send rate", $"{N((long)Math.Round(s.SendRate))} packets/s");
        Fact(w, "Replies", s.Duplicates + s.Late > 0 ? $"{N(s.Replies)} ({N(s.Duplicates)} duplicate, {N(s.Late)} late)" : N(s.Replies));
        Fact(w, "Interface", string.IsNullOrEmpty(s.SendPath) ? s.Interface : $"{s.Interface} ({s.SendPath})");
        Fact(w, "Source", Ip.Format(s.SourceIp));
        w.Write("<div class=\"cmd\"><dt>Command line</dt><dd><code>");
        Text(w, _header?.CommandLine);
        w.Write("</code></dd></div></dl>\n");

        // The scan's totals, whatever --show listed: the summary counts every result.
        w.Write("<div class=\"tiles\" id=\"counts\">");
        Tile(w, "open", "open", s.Open);
        Tile(w, "closed", "closed", s.Closed);
        Tile(w, "filtered", "filtered", s.Filtered);
        Tile(w, "openfiltered", "open|filtered", s.OpenFiltered);
        w.Write($"<div class=\"tile hosts\" data-state=\"hosts-open\" data-count=\"{t.OpenPerHost.Count}\"><b>{N(t.OpenPerHost.Count)}</b><span>hosts with open ports, of {N(t.Answered)} that answered</span></div>");
        w.Write("</div></header>\n");
    }

    private static void Fact(TextWriter w, string name, string value)
    {
        w.Write("<div><dt>");
        Text(w, name);
        w.Write("</dt><dd>");
        Text(w, value);
        w.Write("</dd></div>");
    }

    private static void Tile(TextWriter w, string css, string state, long count)
    {
        w.Write($"<div class=\"tile {css}\" data-state=\"");
        Text(w, state);
        w.Write($"\" data-count=\"{count}\"><b>{N(count)}</b><span>");
        Text(w, state);
        w.Write("</span></div>");
    }

    private static void WriteCharts(TextWriter w, Tally t)
    {
        w.Write("<section id=\"charts\"><h2>Charts</h2><div class=\"charts\">\n");

        // Open ports by service: the top 15, most first, ties by name so the page is reproducible.
        var services = t.OpenByService.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        var top = services.Take(TopServices).Select(kv => new Bar(kv.Key, kv.Value)).ToList();
        string desc = top.Count == 0 ? "No open ports." :
            "Open ports per service, most first: " + string.Join(", ", top.Select(b => $"{b.Label} {b.Value}")) + ".";
        w.Write("<figure class=\"wide\"><figcaption>Open ports by service");
        if (services.Count > TopServices) w.Write($" (top {TopServices})");
        w.Write("</figcaption>");
        SvgCharts.Horizontal(w, "chart-services", "Open ports by service", desc, "open ports", top, "svc", "No open ports");
        if (services.Count > TopServices)
        {
            var rest = services.Skip(TopServices).ToList();
            w.Write($"<p>and {N(rest.Count)} more service{(rest.Count == 1 ? "" : "s")} with {N(rest.Sum(kv => kv.Value))} open ports.</p>");
        }
        w.Write("</figure>\n");

        // Open ports by IANA class, a bar per protocol scanned (or seen).
        string[] classes = [.. Enum.GetValues<PortClass>().Select(c => ServiceInfo.ClassName(c))];
        var series = new List<Series>();
        bool tcp = t.SawTcp, udp = t.SawUdp;
        if (!tcp && !udp) tcp = true;
        if (tcp) series.Add(new Series("tcp", "tcp", [t.OpenByClass[0, 0], t.OpenByClass[1, 0], t.OpenByClass[2, 0]]));
        if (udp) series.Add(new Series("udp", "udp", [t.OpenByClass[0, 1], t.OpenByClass[1, 1], t.OpenByClass[2, 1]]));
        desc = "Open ports by port class and protocol: " + string.Join("; ", series.Select(se =>
            $"{se.Name} " + string.Join(", ", classes.Select((c, i) => $"{c} {se.Values[i]}")))) + ".";
        w.Write("<figure><figcaption>Open ports by port class</figcaption>");
        SvgCharts.Vertical(w, "chart-classes", "Open ports by port class", desc, "port class (IANA, RFC 6335)", "open ports",
                           classes, series, "No open ports", ["0\u20131023", "1024\u201349151", "49152\u201365535"]);
        w.Write("</figure>\n");

        // Hosts by number of open ports.
        var (bins, counts) = Histogram(t.OpenPerHost);
        desc = t.OpenPerHost.Count == 0 ? "No host has an open port." :
            "Number of hosts by how many open ports they have: " + string.Join(", ", bins.Select((b, i) => $"{b} open: {counts[i]} host{(counts[i] == 1 ? "" : "s")}")) + ".";
        w.Write("<figure><figcaption>Hosts by number of open ports</figcaption>");
        SvgCharts.Vertical(w, "chart-hosts", "Hosts by number of open ports", desc, "open ports per host", "hosts",
                           bins, [new Series("hosts", "hist", counts)], "No host has an open port");
        int quiet = t.Answered - t.OpenPerHost.Count;
        if (quiet > 0) w.Write($"<p>{N(quiet)} more host{(quiet == 1 ? "" : "s")} answered with no open port.</p>");
        w.Write("</figure>\n");

        w.Write("</div></section>\n");
    }

    /// <summary>One bin per count up to 12; beyond, 1-10 then 11-20, 21-50, 51-100, ... so there are never more than about 25.</summary>
    internal static (string[] Bins, long[] Counts) Histogram(List<int> openPerHost)
    {
        int max = openPerHost.Count == 0 ? 0 : openPerHost.Max();
        var lows = new List<int>();
        if (max <= 12)
            for (int i = 1; i <= max; i++) lows.Add(i);
        else
        {
            for (int i = 1; i <= 10; i++) lows.Add(i);
            for (long edge = 10; edge < max;)
            {
                lows.Add((int)edge + 1);
                long m = edge; while (m >= 10 && m % 10 == 0) m /= 10;
                edge = m == 1 ? edge * 2 : m == 2 ? edge / 2 * 5 : edge * 2;    // 10, 20, 50, 100, 200, 500, ...
            }
        }
        var bins = new string[lows.Count];
        var counts = new long[lows.Count];
        for (int i = 0; i < lows.Count; i++)
        {
            int hi = i + 1 < lows.Count ? lows[i + 1] - 1 : max;
            bins[i] = hi == lows[i] ? N(lows[i]) : $"{N(lows[i])}\u2013{N(hi)}";
        }
        foreach (int n in openPerHost)
        {
            int b = lows.BinarySearch(n);
            counts[b >= 0 ? b : ~b - 1]++;
        }
        return (bins, counts);
    }

    /// <summary>One row per flagged (protocol, port): service, flag, note, how many hosts, and the hosts themselves on demand.</summary>
    private void WriteFlagged(TextWriter w, Tally t)
    {
        w.Write("<section id=\"flagged\"><h2>Flagged open ports</h2>\n");
        if (t.Flagged.Count == 0)
        {
            w.Write("<p class=\"none\">No open port is a known backdoor default or an alternate service port.</p></section>\n");
            return;
        }
        var flagged = t.Flagged.Select(kv => (Key: kv.Key, Hosts: kv.Value, Info: registry.Lookup((Protocol)(kv.Key >> 16), (ushort)kv.Key)))
            .OrderBy(f => f.Info.Flags.HasFlag(PortFlags.Backdoor) ? 0 : 1).ThenBy(f => (ushort)f.Key).ThenBy(f => f.Key >> 16);
        w.Write("<table id=\"flagged-table\"><thead><tr><th>Port</th><th>Service</th><th>Flag</th><th>Note</th><th class=\"num\">Hosts</th><th>Addresses</th></tr></thead><tbody>");
        Span<char> ip = stackalloc char[Ip.MaxLength];
        foreach (var (key, hosts, info) in flagged)
        {
            bool backdoor = info.Flags.HasFlag(PortFlags.Backdoor);
            string port = $"{(ushort)key}/{((Protocol)(key >> 16)).Name()}";
            w.Write($"<tr class=\"{(backdoor ? "flag-backdoor" : "flag-alternate")}\" data-port=\"{port}\" data-hosts=\"{hosts.Count}\"><td class=\"port\">{port}</td><td>");
            Text(w, ServiceName(info));
            w.Write(backdoor ? "</td><td><span class=\"badge backdoor\">backdoor</span></td><td class=\"note\">"
                             : "</td><td><span class=\"badge alternate\">alternate service</span></td><td class=\"note\">");
            Text(w, info.Note);
            w.Write($"</td><td class=\"num\">{N(hosts.Count)}</td><td><details class=\"addrs\"{(hosts.Count <= FlaggedHostsOpen ? " open" : "")}><summary>{N(hosts.Count)} host{(hosts.Count == 1 ? "" : "s")}</summary><p class=\"mono\">");
            for (int i = 0; i < hosts.Count; i++)
            {
                if (i > 0) w.Write(' ');
                w.Write(ip[..Ip.Format(hosts[i], ip)]);
            }
            w.Write("</p></details></td></tr>");
        }
        w.Write("</tbody></table></section>\n");
    }

    /// <summary>
    /// The ports whose answer names another service than the registry guesses for them, grouped by
    /// port, guess and what answered, backdoor ports first: "8080/tcp http-proxy: ssh OpenSSH 9.2p1 on 3 hosts".
    /// </summary>
    private void WriteMismatches(TextWriter w, List<KeyValuePair<(UInt128 Address, int Port), ServiceFinding>> found)
    {
        w.Write("<section id=\"mismatches\"><h2>Registry mismatches</h2>\n");
        var groups = found
            .Select(kv => (kv.Key, kv.Value, Info: registry.Lookup((Protocol)(kv.Key.Port >> 16), (ushort)kv.Key.Port)))
            .Where(x => FindingText.Mismatch(x.Value, x.Info) is not null)
            .GroupBy(x => (x.Key.Port, Detected: FindingText.Service(x.Value)!, Version: FindingText.Version(x.Value)))
            .OrderBy(g => g.First().Info.Flags.HasFlag(PortFlags.Backdoor) ? 0 : 1).ThenBy(g => (ushort)g.Key.Port).ThenBy(g => g.Key.Detected, StringComparer.Ordinal)
            .ToList();
        if (groups.Count == 0)
        {
            w.Write("<p class=\"none\">Every service a banner named is the one the port registry guesses.</p></section>\n");
            return;
        }
        w.Write("<table id=\"mismatch-table\"><thead><tr><th>Port</th><th>Registry's guess</th><th>Answered as</th><th>Product</th><th class=\"num\">Hosts</th><th>Addresses</th></tr></thead><tbody>");
        Span<char> ip = stackalloc char[Ip.MaxLength];
        foreach (var g in groups)
        {
            var info = g.First().Info;
            bool backdoor = info.Flags.HasFlag(PortFlags.Backdoor);
            string port = $"{(ushort)g.Key.Port}/{((Protocol)(g.Key.Port >> 16)).Name()}";
            int hosts = g.Count();
            w.Write($"<tr{(backdoor ? " class=\"flag-backdoor\"" : "")} data-port=\"{port}\"><td class=\"port\">{port}</td><td>");
            Text(w, ServiceName(info));
            if (backdoor) w.Write(" <span class=\"badge backdoor\">backdoor port</span>");
            w.Write("</td><td>");
            Text(w, g.Key.Detected);
            w.Write("</td><td>");
            Text(w, g.Key.Version);
            w.Write($"</td><td class=\"num\">{N(hosts)}</td><td><details class=\"addrs\"{(hosts <= FlaggedHostsOpen ? " open" : "")}><summary>{N(hosts)} host{(hosts == 1 ? "" : "s")}</summary><p class=\"mono\">");
            bool first = true;
            foreach (var x in g)
            {
                if (!first) w.Write(' ');
                first = false;
                w.Write(ip[..Ip.Format(x.Key.Address, ip)]);
            }
            w.Write("</p></details></td></tr>");
        }
        w.Write("</tbody></table></section>\n");
    }

    /// <summary>
    /// Each port's banner, host by host: what answered, how it was named, the certificate, and the bytes
    /// (<see cref="BannerText"/>'s printable form, then HTML-encoded: a banner is what a stranger's
    /// server chose to send, and nothing in it may become markup, a script or a request).
    /// </summary>
    private void WriteBanners(TextWriter w, List<KeyValuePair<(UInt128 Address, int Port), ServiceFinding>> found)
    {
        w.Write("<section id=\"banners\"><h2>Banners</h2>\n");
        w.Write("<table id=\"banner-table\"><thead><tr><th>Address</th><th>Port</th><th>Service</th><th>Product</th><th>Method</th><th>Banner</th></tr></thead><tbody>");
        Span<char> ip = stackalloc char[Ip.MaxLength];
        int n = 0;
        foreach (var (key, f) in found)
        {
            if (n++ == MaxBanners) break;
            string port = $"{(ushort)key.Port}/{((Protocol)(key.Port >> 16)).Name()}";
            w.Write("<tr><td class=\"mono\">");
            w.Write(ip[..Ip.Format(key.Address, ip)]);
            w.Write($"</td><td class=\"port\">{port}</td><td>");
            Text(w, FindingText.Service(f) ?? "");
            w.Write("</td><td>");
            Text(w, FindingText.Version(f));
            if (f.TlsSubject is not null || f.TlsIssuer is not null)
            {
                w.Write("<br><small>certificate: ");
                Text(w, FindingText.Printable(f.TlsSubject ?? ""));
                w.Write(" issued by ");
                Text(w, FindingText.Printable(f.TlsIssuer ?? ""));
                w.Write("</small>");
            }
            w.Write("</td><td>");
            w.Write(ServiceFinding.MethodName(f.Method));
            w.Write("</td><td><code class=\"banner\">");
            Text(w, BannerText.Encode(f.Banner));
            w.Write("</code></td></tr>");
        }
        w.Write("</tbody></table>");
        if (found.Count > MaxBanners)
            w.Write($"<p class=\"none\">{N(found.Count - MaxBanners)} more ports' banners are not shown here: the JSON lines and CSV reports have every one.</p>");
        w.Write("</section>\n");
    }

    private void WriteHosts(TextWriter w, ReadOnlySpan<Row> rows, Tally t, ScanSummary s)
    {
        w.Write("<section id=\"hosts\"><h2>Results by host</h2>\n<p class=\"listed\">Listed: open");
        if (_shown.Closed) w.Write(", closed");
        if (_shown.Filtered) w.Write(", filtered and open|filtered");
        w.Write(" ports");
        var unlisted = new List<string>();
        if (!_shown.Closed && s.Closed > 0) unlisted.Add($"{N(s.Closed)} closed");
        if (!_shown.Filtered && s.Filtered > 0) unlisted.Add($"{N(s.Filtered)} filtered");
        if (!_shown.Filtered && s.OpenFiltered > 0) unlisted.Add($"{N(s.OpenFiltered)} open|filtered");
        if (unlisted.Count > 0) w.Write($". Not listed (--show lists them): {string.Join(", ", unlisted)}, counted in the totals above and, where the host answered, on its line");
        w.Write(".</p>\n");
        if (t.Hosts.Count == 0)
        {
            w.Write("<p class=\"none\">No host to list: no listed result, and no host answered.</p></section>\n");
            return;
        }
        w.Write("<p id=\"filter-box\" hidden><label for=\"host-filter\">Filter hosts</label> <input type=\"search\" id=\"host-filter\" placeholder=\"address, port or service: 198.18.4. 443/tcp\" autocomplete=\"off\" spellcheck=\"false\"> <span id=\"filter-status\" role=\"status\"></span></p>\n");

        var hosts = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(t.Hosts);
        if (hosts.Length <= ExpandedHosts)
        {
            w.Write("<div class=\"hosts\">\n");
            foreach (ref readonly var host in hosts) WriteExpandedHost(w, rows, host);
            w.Write("</div></section>\n");
            return;
        }

        int blocks = (hosts.Length + BlockHosts - 1) / BlockHosts;
        w.Write($"<p class=\"blocks-note\">{N(hosts.Length)} hosts, in {N(blocks)} blocks of up to {BlockHosts}: open a block, or filter. One line per host: its listed ports, then what it answered that is not listed.</p>\n<div class=\"hosts\">\n");
        Span<char> ip = stackalloc char[Ip.MaxLength];
        for (int b = 0; b < hosts.Length; b += BlockHosts)
        {
            var block = hosts.Slice(b, Math.Min(BlockHosts, hosts.Length - b));
            long open = 0;
            foreach (ref readonly var host in block) open += host.Open;
            w.Write("<details class=\"block\"><summary><span class=\"addr\">");
            w.Write(ip[..Ip.Format(block[0].Address, ip)]);
            w.Write(" \u2013 ");
            w.Write(ip[..Ip.Format(block[^1].Address, ip)]);
            w.Write($"</span><span class=\"counts\">{N(block.Length)} host{(block.Length == 1 ? "" : "s")} \u00b7 {N(open)} open</span></summary>");
            w.Write("<table class=\"hl\"><thead><tr><th>Host</th><th>Listed ports</th><th>Not listed</th></tr></thead><tbody>\n");
            foreach (ref readonly var host in block) WriteHostLine(w, rows, host, ip);
            w.Write("</tbody></table></details>\n");
        }
        w.Write("</div></section>\n");
    }

    /// <summary>
    /// A host as one table row, end tags omitted (HTML allows it for tr and td): about 60 bytes for two open
    /// ports. Open ports are "80/tcp http", made once per port and reused (<see cref="OpenLabel"/>); other
    /// listed states say their state, or become ranges past <see cref="ListedPerState"/>.
    /// </summary>
    private void WriteHostLine(TextWriter w, ReadOnlySpan<Row> rows, in HostSpan host, Span<char> ip)
    {
        w.Write("<tr><td>");
        w.Write(ip[..Ip.Format(host.Address, ip)]);
        w.Write("<td>");
        var mine = rows[host.Start..host.End];
        bool first = true;
        Span<int> count = stackalloc int[4];
        Span<bool> done = stackalloc bool[4];
        for (int p = 0; p < mine.Length;)
        {
            var proto = P.Protocol(mine[p]);
            int q = p;
            while (q < mine.Length && P.Protocol(mine[q]) == proto) q++;
            var group = mine[p..q];
            count.Clear();
            done.Clear();
            foreach (Row r in group) count[(int)P.State(r)]++;
            foreach (Row r in group)
            {
                var state = P.State(r);
                bool ranges = state != PortState.Open && count[(int)state] > ListedPerState;
                if (ranges && done[(int)state]) continue;
                if (!first) w.Write(", ");
                first = false;
                if (ranges)
                {
                    done[(int)state] = true;
                    w.Write($"<i>{count[(int)state]} {state.Name()} {proto.Name()}: {Ranges(group, state)}</i>");
                }
                else if (state == PortState.Open) w.Write(OpenLabel(r));
                else
                {
                    w.Write($"<i>{P.Port(r)}/{proto.Name()} ");
                    Text(w, ServiceName(Info(r)));
                    w.Write($" {state.Name()}</i>");
                }
            }
            p = q;
        }
        w.Write("<td>");
        WriteHidden(w, host.Hidden);
    }

    /// <summary>"80/tcp http", escaped, a flagged port marked: the same text on every host that has it open.</summary>
    private string OpenLabel(Row row)
    {
        int key = Key(P.Protocol(row), P.Port(row));
        if (_labels.TryGetValue(key, out var label)) return label;
        var info = Info(row);
        string text = $"{P.Port(row)}/{P.Protocol(row).Name()} {Escape(ServiceName(info))}";
        label = info.Flags == PortFlags.None ? text
            : $"<mark class=\"{(info.Flags.HasFlag(PortFlags.Backdoor) ? "bd" : "alt")}\">{text}</mark>";
        return _labels[key] = label;
    }

    private static void WriteHidden(TextWriter w, HiddenCounts h)
    {
        if (h.Total == 0) return;
        bool any = false;
        if (h.Closed > 0) { w.Write($"{N(h.Closed)} closed"); any = true; }
        if (h.Filtered > 0) { w.Write($"{(any ? ", " : "")}{N(h.Filtered)} filtered"); any = true; }
        if (h.OpenFiltered > 0) w.Write($"{(any ? ", " : "")}{N(h.OpenFiltered)} open|filtered");
    }

    /// <summary>A host of a small report: an open section with a table of its listed ports.</summary>
    private void WriteExpandedHost(TextWriter w, ReadOnlySpan<Row> rows, in HostSpan host)
    {
        var mine = rows[host.Start..host.End];
        Span<long> states = stackalloc long[4];
        foreach (Row r in mine) states[(int)P.State(r)]++;
        string ip = Ip.Format(host.Address);
        w.Write($"<details class=\"host{(host.Open == 0 ? " no-open" : "")}\" open data-host=\"{ip}\"><summary><span class=\"addr\">{ip}</span><span class=\"counts\">");
        bool any = false;
        foreach (var st in Enum.GetValues<PortState>())
        {
            if (states[(int)st] == 0) continue;
            w.Write($"{(any ? " \u00b7 " : "")}{N(states[(int)st])} {st.Name()}");
            any = true;
        }
        if (host.Hidden.Total > 0)
        {
            w.Write(any ? " \u00b7 not listed: " : "not listed: ");
            WriteHidden(w, host.Hidden);
        }
        w.Write("</span></summary>");
        if (mine.Length == 0)
        {
            w.Write("</details>\n");
            return;
        }
        w.Write("<table><thead><tr><th>Port</th><th>State</th><th>Service</th><th>Reason</th><th class=\"num\">TTL</th><th>Note</th></tr></thead><tbody>");
        for (int p = 0; p < mine.Length;)
        {
            var proto = P.Protocol(mine[p]);
            int q = p;
            while (q < mine.Length && P.Protocol(mine[q]) == proto) q++;
            WriteProtocolRows(w, mine[p..q]);
            p = q;
        }
        w.Write("</tbody></table></details>\n");
    }

    /// <summary>One host's results of one protocol, ports ascending; a non-open state with more than <see cref="ListedPerState"/> ports becomes one row of ranges where its first port would be.</summary>
    private void WriteProtocolRows(TextWriter w, ReadOnlySpan<Row> rows)
    {
        Span<int> count = stackalloc int[4];
        foreach (Row r in rows) count[(int)P.State(r)]++;
        Span<bool> done = stackalloc bool[4];
        foreach (Row r in rows)
        {
            var state = P.State(r);
            if (state != PortState.Open && count[(int)state] > ListedPerState)
            {
                if (done[(int)state]) continue;
                done[(int)state] = true;
                w.Write($"<tr class=\"collapsed st-{Css(state)}\"><td colspan=\"6\"><span class=\"state\">{count[(int)state]} {state.Name()}</span> {P.Protocol(r).Name()} ports: <span class=\"mono\">");
                w.Write(Ranges(rows, state));
                w.Write("</span></td></tr>");
                continue;
            }
            var info = Info(r);
            bool open = state == PortState.Open;
            string flag = !open || info.Flags == PortFlags.None ? "" : info.Flags.HasFlag(PortFlags.Backdoor) ? " flag-backdoor" : " flag-alternate";
            w.Write($"<tr class=\"st-{Css(state)}{flag}\" data-port=\"{P.Port(r)}/{P.Protocol(r).Name()}\" data-state=\"{state.Name()}\">");
            w.Write($"<td class=\"port\">{P.Port(r)}/{P.Protocol(r).Name()}</td><td class=\"state\">{state.Name()}</td><td>");
            Text(w, ServiceName(info));
            w.Write($"</td><td>{P.ReasonOrDefault(r).Name()}</td><td class=\"num\">{(P.Ttl(r) == 0 ? "\u2013" : P.Ttl(r).ToString(CultureInfo.InvariantCulture))}</td><td>");
            if (flag.Length > 0)
            {
                w.Write(flag == " flag-backdoor" ? "<span class=\"badge backdoor\">backdoor</span> " : "<span class=\"badge alternate\">alternate</span> ");
                Text(w, info.Note);
            }
            w.Write("</td></tr>");
        }
    }

    private static string Css(PortState s) => s == PortState.OpenFiltered ? "openfiltered" : s.Name();

    /// <summary>"1\u201321, 23\u201379, 81": the ports of one state, ascending, as runs.</summary>
    private static string Ranges(ReadOnlySpan<Row> rows, PortState state)
    {
        var sb = new StringBuilder();
        int start = -1, prev = -1;
        foreach (Row r in rows)
        {
            if (P.State(r) != state) continue;
            int port = P.Port(r);
            if (port == prev + 1 && start >= 0) { prev = port; continue; }
            Flush();
            start = prev = port;
        }
        Flush();
        return sb.ToString();

        void Flush()
        {
            if (start < 0) return;
            if (sb.Length > 0) sb.Append(", ");
            sb.Append(start);
            if (prev > start) sb.Append('\u2013').Append(prev);
        }
    }
}
