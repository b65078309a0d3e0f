using System.Runtime.InteropServices;
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
/// facts, three charts (open ports by service, by port class and protocol, hosts by number of open
/// ports), the flagged open ports, and every result grouped by host. Inline CSS and server-drawn inline
/// SVG only: no script, font, stylesheet or image is fetched, and a Content-Security-Policy of
/// default-src 'none' says so to the browser too.
/// <para>
/// The charts need every result, so the writer holds them until <see cref="End"/>, 8 bytes each
/// (<see cref="PackedResult"/>); no string is made and the registry is not asked until then.
/// <see cref="OnResult"/> runs on the receive thread, its one writer; <see cref="End"/> comes after that
/// thread has been joined (the <see cref="IReportWriter"/> contract), so no lock is needed.
/// </para>
/// </summary>
public sealed class HtmlReportWriter(Stream output, IServiceRegistry registry, bool leaveOpen = false) : IReportWriter
{
    /// <summary>Charted services; the rest are summed in a line under the chart.</summary>
    public const int TopServices = 15;

    /// <summary>
    /// A host's closed/filtered ports of one protocol beyond this many are listed as port ranges in one
    /// row (nmap's "Not shown: 997 filtered ports", but keeping which): a browser cannot lay out a table of
    /// millions of rows, and the ranges still say everything that was received.
    /// </summary>
    public const int ListedPerState = 24;

    private readonly List<ulong> _results = [];
    private readonly Dictionary<int, ServiceInfo> _services = [];
    private ScanHeader? _header;
    private bool _written;

    public void Begin(ScanHeader header) => _header = header;

    public void OnResult(in PortResult result) => _results.Add(P.Pack(result));

    public void End(ScanSummary summary)
    {
        if (_written) return;
        _written = true;
        var rows = CollectionsMarshal.AsSpan(_results);
        rows.Sort();
        var w = new StreamWriter(output, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
        Render(w, rows, summary);
        w.Flush();
        output.Flush();
    }

    public void Dispose()
    {
        if (!leaveOpen) output.Dispose();
    }

    private ServiceInfo Info(ulong row)
    {
        var proto = P.Protocol(row);
        ushort port = P.Port(row);
        int key = (int)proto << 16 | port;
        if (!_services.TryGetValue(key, out var info)) _services[key] = info = registry.Lookup(proto, port);
        return info;
    }

    private static string ServiceName(ServiceInfo info) => string.IsNullOrEmpty(info.Name) ? "unknown" : info.Name;

    /// <summary>What the charts and the header count, in one pass over the sorted results.</summary>
    private sealed class Tally
    {
        public readonly long[] ByState = new long[4];
        public readonly long[,] OpenByClass = new long[3, 2];            // [class, tcp=0 udp=1]
        public readonly Dictionary<string, long> OpenByService = new(StringComparer.Ordinal);
        public readonly List<int> OpenPerHost = [];                       // hosts with at least one open port
        public readonly List<ulong> Flagged = [];
        public int Hosts;
        public bool SawTcp, SawUdp;
    }

    private Tally Count(ReadOnlySpan<ulong> rows)
    {
        var t = new Tally();
        uint host = 0;
        int open = 0;
        for (int i = 0; i < rows.Length; i++)
        {
            ulong r = rows[i];
            if (i == 0 || P.Address(r) != host)
            {
                if (open > 0) t.OpenPerHost.Add(open);
                host = P.Address(r);
                open = 0;
                t.Hosts++;
            }
            var state = P.State(r);
            t.ByState[(int)state]++;
            if (P.Protocol(r) == Protocol.Tcp) t.SawTcp = true; else t.SawUdp = true;
            if (state != PortState.Open) continue;
            open++;
            var info = Info(r);
            t.OpenByClass[(int)info.Class, P.Protocol(r) == Protocol.Tcp ? 0 : 1]++;
            string name = ServiceName(info);
            t.OpenByService[name] = t.OpenByService.GetValueOrDefault(name) + 1;
            if (info.Flags != PortFlags.None) t.Flagged.Add(r);
        }
        if (open > 0) t.OpenPerHost.Add(open);
        return t;
    }

    private void Render(TextWriter w, ReadOnlySpan<ulong> rows, ScanSummary s)
    {
        var t = Count(rows);
        string version = _header?.Version ?? "";
        w.Write("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        w.Write("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">");
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
        WriteHosts(w, rows, t);

        w.Write("<footer>Written by RawScan ");
        Text(w, version);
        w.Write(". This page is self-contained: inline styles and charts, no scripts, nothing loaded from the network.</footer>\n");
        w.Write("</main></body></html>\n");
    }

    private void WriteHeader(TextWriter w, ScanSummary s, Tally t)
    {
        w.Write("<header id=\"summary\"><h1>RawScan report</h1><p class=\"sub\">");
        if (_header is not null)
        {
            w.Write($"{N((long)_header.Targets)} target address{(_header.Targets == 1 ? "" : "es")}, ");
            w.Write($"{N(_header.Ports.Tcp.Count)} TCP and {N(_header.Ports.Udp.Count)} UDP port{(_header.Ports.Udp.Count == 1 ? "" : "s")}");
        }
        w.Write("</p><nav><a href=\"#summary\">Summary</a><a href=\"#charts\">Charts</a><a href=\"#flagged\">Flagged ports</a><a href=\"#hosts\">Hosts</a></nav>\n");

        if (s.End != ScanEnd.Completed)
        {
            w.Write($"<p class=\"end-{(s.End == ScanEnd.Failed ? "failed" : "interrupted")}\"><b>Scan {(s.End == ScanEnd.Failed ? "failed" : "interrupted")}</b>");
            if (!string.IsNullOrEmpty(s.Error)) { w.Write(": "); Text(w, s.Error); }
            w.Write(". The results below are what was found until then.</p>\n");
        }

        w.Write("<dl class=\"facts\">");
        Fact(w, "Scanner", $"RawScan {_header?.Version}");
        Fact(w, "Started", _header is null ? "" : _header.Start.ToString("yyyy-MM-dd HH:mm:ss zzz", System.Globalization.CultureInfo.InvariantCulture));
        Fact(w, "Duration", Duration(s.Duration));
        Fact(w, "Probes sent", s.Retransmits > 0 ? $"{N(s.ProbesSent)} ({N(s.Retransmits)} retransmitted)" : N(s.ProbesSent));
        Fact(w, "Send rate", $"{N((long)Math.Round(s.SendRate))} packets/s");
        Fact(w, "Replies", s.Duplicates + s.Late > 0 ? $"{N(s.Replies)} ({N(s.Duplicates)} duplicate, {N(s.Late)} late)" : N(s.Replies));
        Fact(w, "Interface", string.IsNullOrEmpty(s.SendPath) ? s.Interface : $"{s.Interface} ({s.SendPath})");
        Fact(w, "Source", Ipv4.Format(s.SourceIp));
        w.Write("<div class=\"cmd\"><dt>Command line</dt><dd><code>");
        Text(w, _header?.CommandLine);
        w.Write("</code></dd></div></dl>\n");

        w.Write("<div class=\"tiles\" id=\"counts\">");
        Tile(w, "open", "open", t.ByState[(int)PortState.Open]);
        Tile(w, "closed", "closed", t.ByState[(int)PortState.Closed]);
        Tile(w, "filtered", "filtered", t.ByState[(int)PortState.Filtered]);
        Tile(w, "openfiltered", "open|filtered", t.ByState[(int)PortState.OpenFiltered]);
        w.Write($"<div class=\"tile hosts\" data-state=\"hosts-open\" data-count=\"{t.OpenPerHost.Count}\"><b>{N(t.OpenPerHost.Count)}</b><span>hosts with open ports, of {N(t.Hosts)} that answered</span></div>");
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
        int quiet = t.Hosts - t.OpenPerHost.Count;
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

    private void WriteFlagged(TextWriter w, Tally t)
    {
        w.Write("<section id=\"flagged\"><h2>Flagged open ports</h2>\n");
        if (t.Flagged.Count == 0)
        {
            w.Write("<p class=\"none\">No open port is a known backdoor default or an alternate service port.</p></section>\n");
            return;
        }
        var flagged = t.Flagged.Select(r => (Row: r, Info: Info(r)))
            .OrderBy(f => f.Info.Flags.HasFlag(PortFlags.Backdoor) ? 0 : 1)
            .ThenBy(f => P.Port(f.Row)).ThenBy(f => P.Protocol(f.Row)).ThenBy(f => P.Address(f.Row));
        w.Write("<table id=\"flagged-table\"><thead><tr><th>Host</th><th>Port</th><th>Service</th><th>Flag</th><th>Note</th></tr></thead><tbody>");
        foreach (var (r, info) in flagged)
        {
            bool backdoor = info.Flags.HasFlag(PortFlags.Backdoor);
            w.Write($"<tr class=\"{(backdoor ? "flag-backdoor" : "flag-alternate")}\" data-host=\"{Ipv4.Format(P.Address(r))}\" data-port=\"{P.Port(r)}/{P.Protocol(r).Name()}\">");
            w.Write($"<td class=\"mono\">{Ipv4.Format(P.Address(r))}</td><td class=\"port\">{P.Port(r)}/{P.Protocol(r).Name()}</td><td>");
            Text(w, ServiceName(info));
            w.Write(backdoor ? "</td><td><span class=\"badge backdoor\">backdoor</span></td><td class=\"note\">"
                             : "</td><td><span class=\"badge alternate\">alternate service</span></td><td class=\"note\">");
            Text(w, info.Note);
            w.Write("</td></tr>");
        }
        w.Write("</tbody></table></section>\n");
    }

    private void WriteHosts(TextWriter w, ReadOnlySpan<ulong> rows, Tally t)
    {
        long hidden = rows.Length - t.ByState[(int)PortState.Open];
        w.Write("<section id=\"hosts\"><h2>Results by host</h2>\n");
        if (rows.Length == 0)
        {
            w.Write("<p class=\"none\">No results: no probe was answered, and none was given up as filtered.</p></section>\n");
            return;
        }
        w.Write($"<input type=\"checkbox\" id=\"show-all\"><label class=\"switch\" for=\"show-all\">Also show closed and filtered ports ({N(hidden)} result{(hidden == 1 ? "" : "s")}, and {N(t.Hosts - t.OpenPerHost.Count)} host{(t.Hosts - t.OpenPerHost.Count == 1 ? "" : "s")} with no open port)</label>\n");
        w.Write("<div class=\"hosts\">\n");
        var states = new long[4];
        for (int i = 0; i < rows.Length;)
        {
            uint address = P.Address(rows[i]);
            int end = i;
            while (end < rows.Length && P.Address(rows[end]) == address) end++;
            var host = rows[i..end];
            Array.Clear(states);
            foreach (ulong r in host) states[(int)P.State(r)]++;

            string ip = Ipv4.Format(address);
            w.Write($"<details class=\"host{(states[0] == 0 ? " no-open" : "")}\" open data-host=\"{ip}\"><summary><span class=\"addr\">{ip}</span><span class=\"counts\">");
            w.Write(string.Join(" \u00b7 ", Enum.GetValues<PortState>().Where(st => states[(int)st] > 0).Select(st => $"{N(states[(int)st])} {st.Name()}")));
            w.Write("</span></summary><table><thead><tr><th>Port</th><th>State</th><th>Service</th><th class=\"hide-narrow\">Class</th><th class=\"num\">TTL</th><th>Note</th></tr></thead><tbody>");

            for (int p = 0; p < host.Length;)
            {
                var proto = P.Protocol(host[p]);
                int q = p;
                while (q < host.Length && P.Protocol(host[q]) == proto) q++;
                WriteProtocolRows(w, host[p..q]);
                p = q;
            }
            w.Write("</tbody></table></details>\n");
            i = end;
        }
        w.Write("</div></section>\n");
    }

    /// <summary>One host's results of one protocol, ports ascending; a non-open state with more than <see cref="ListedPerState"/> ports becomes one row of ranges where its first port would be.</summary>
    private void WriteProtocolRows(TextWriter w, ReadOnlySpan<ulong> rows)
    {
        Span<int> count = stackalloc int[4];
        foreach (ulong r in rows) count[(int)P.State(r)]++;
        Span<bool> done = stackalloc bool[4];
        foreach (ulong r in rows)
        {
            var state = P.State(r);
            if (state != PortState.Open && count[(int)state] > ListedPerState)
            {
                if (done[(int)state]) continue;
                done[(int)state] = true;
                w.Write($"<tr class=\"other collapsed st-{Css(state)}\"><td colspan=\"6\"><span class=\"state\">{count[(int)state]} {state.Name()}</span> {P.Protocol(r).Name()} ports: <span class=\"mono\">");
                w.Write(Ranges(rows, state));
                w.Write("</span></td></tr>");
                continue;
            }
            var info = Info(r);
            bool open = state == PortState.Open;
            string flag = !open || info.Flags == PortFlags.None ? "" : info.Flags.HasFlag(PortFlags.Backdoor) ? " flag-backdoor" : " flag-alternate";
            w.Write($"<tr class=\"st-{Css(state)}{(open ? "" : " other")}{flag}\" data-port=\"{P.Port(r)}/{P.Protocol(r).Name()}\" data-state=\"{state.Name()}\">");
            w.Write($"<td class=\"port\">{P.Port(r)}/{P.Protocol(r).Name()}</td><td class=\"state\">{state.Name()}</td><td>");
            Text(w, ServiceName(info));
            w.Write($"</td><td class=\"hide-narrow\">{ServiceInfo.ClassName(info.Class)}</td><td class=\"num\">{(P.Ttl(r) == 0 ? "\u2013" : P.Ttl(r).ToString(System.Globalization.CultureInfo.InvariantCulture))}</td><td>");
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
    private static string Ranges(ReadOnlySpan<ulong> rows, PortState state)
    {
        var sb = new StringBuilder();
        int start = -1, prev = -1;
        foreach (ulong r in rows)
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
