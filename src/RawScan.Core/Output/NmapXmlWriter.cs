using System.Globalization;
using System.Text;
using System.Xml;
using RawScan.Registry;
using RawScan.Results;
using RawScan.Targets;

namespace RawScan.Output;

/// <summary>
/// nmap's XML (-oX), valid against nmap.dtd (xmloutputversion 1.05) and read by ndiff, nmap.xsl,
/// python-libnmap and the other tools that read nmap's XML.
/// <para>
/// One &lt;host&gt; per host that answered anything (a host that answered only with RSTs is up;
/// one that never answered is down and not written), grouped at <see cref="End"/>, not one per
/// result as masscan writes: ndiff pairs hosts by address after a stable sort, so with several
/// &lt;host&gt; elements for one address it pairs them by position. Each host lists its ports by
/// nmap's rule (<see cref="HostView"/>: open and the --show states, and a few of any other state
/// that is not the host's most common) and folds the rest into &lt;extraports&gt; with
/// &lt;extrareasons&gt; per reason and protocol, so even the default open-only file says what every
/// port was. Memory: counts per host, and the listed ports (<see cref="HostTallies"/>).
/// </para>
/// <para>
/// scanner="nmap", not "rawscan": the DTD declares the attribute as the enumeration (nmap), so any
/// other value fails validation (masscan's files do). RawScan is named in the leading comment and in
/// version ("RawScan 1.0.0": ndiff prints "Nmap" and then the version, nmap.xsl "Nmap" and then the
/// version, so both read "RawScan"), and args holds the command line as typed.
/// </para>
/// </summary>
public sealed class NmapXmlWriter(Stream stream, IServiceRegistry registry) : IReportWriter
{
    public const string XmlOutputVersion = "1.05";

    /// <summary>Where Debian's nmap puts its stylesheet: a browser opening the file renders it as nmap's report.</summary>
    public const string Stylesheet = "file:///usr/share/nmap/nmap.xsl";

    private readonly StreamWriter _text = ReportText.Open(stream);
    private XmlWriter? _xml;
    private ScanHeader? _header;
    private HostTallies? _tallies;
    private bool _ended;

    public void Begin(ScanHeader header)
    {
        if (_xml is not null) return;
        _header = header;
        _tallies ??= new HostTallies(header);
        var x = _xml = XmlWriter.Create(_text, new XmlWriterSettings
        {
            Encoding = ReportText.Utf8,
            Indent = true,
            IndentChars = "",
            NewLineChars = "\n",
            CloseOutput = false,
        });
        x.WriteStartDocument();
        x.WriteDocType("nmaprun", null, null, null);
        x.WriteProcessingInstruction("xml-stylesheet", $"href=\"{Stylesheet}\" type=\"text/xsl\"");
        x.WriteComment($" RawScan {header.Version} scan initiated {ReportText.CTime(header.Start)} as: {CommentSafe(header.CommandLine)} ");
        x.WriteStartElement("nmaprun");
        x.WriteAttributeString("scanner", "nmap");
        x.WriteAttributeString("args", Clean(header.CommandLine));
        x.WriteAttributeString("start", ReportText.Invariant(header.Start.ToUnixTimeSeconds()));
        x.WriteAttributeString("startstr", ReportText.CTime(header.Start));
        x.WriteAttributeString("version", Clean(VersionText(header.Version)));
        x.WriteAttributeString("xmloutputversion", XmlOutputVersion);
        WriteScanInfo(x, "syn", "tcp", header.Ports.Tcp);
        WriteScanInfo(x, "udp", "udp", header.Ports.Udp);
        x.WriteStartElement("verbose");
        x.WriteAttributeString("level", "0");
        x.WriteEndElement();
        x.WriteStartElement("debugging");
        x.WriteAttributeString("level", "0");
        x.WriteEndElement();
    }

    /// <summary>"RawScan 1.0.0": the version attribute, which ndiff and nmap.xsl print after "Nmap".</summary>
    public static string VersionText(string version) => version.Length == 0 ? "RawScan" : $"RawScan {version}";

    private static void WriteScanInfo(XmlWriter x, string type, string protocol, PortSet ports)
    {
        if (ports.Count == 0) return;
        x.WriteStartElement("scaninfo");
        x.WriteAttributeString("type", type);
        x.WriteAttributeString("protocol", protocol);
        x.WriteAttributeString("numservices", ReportText.Invariant(ports.Count));
        x.WriteAttributeString("services", ports.ToString());
        x.WriteEndElement();
    }

    /// <summary>Results before Begin (a scan that failed early) are counted as if every state were listed.</summary>
    private static ScanHeader Fallback(TimeSpan ago) =>
        new("", DateTimeOffset.UtcNow - ago, new ScanPorts(PortSet.None, PortSet.None), 0, "", new ShownStates(true, true), Partial: true);

    public void OnResult(in PortResult r)
    {
        if (_ended) return;
        _tallies ??= new HostTallies(Fallback(TimeSpan.Zero));
        _tallies.Add(r, out _);
    }

    /// <summary>An open port with its banner grab's finding: written as nmap -sV writes a port (<see cref="WriteService"/>).</summary>
    public void OnService(in PortResult r, ServiceFinding service)
    {
        if (_ended) return;
        _tallies ??= new HostTallies(Fallback(TimeSpan.Zero));
        _tallies.Add(r, service, out _);
    }

    public void End(ScanSummary summary)
    {
        if (_ended) return;
        // A scan that failed before Begin still leaves a valid file: its header has no scaninfo.
        if (_xml is null) Begin(Fallback(summary.Duration));
        _ended = true;
        var x = _xml!;
        var tallies = _tallies!;
        tallies.Complete(summary);
        foreach (var host in tallies.All()) WriteHost(x, new HostView(host, tallies.Shown), tallies.PortsPerHost);

        int up = tallies.Up;
        var start = _header!.Start;
        var finished = start + summary.Duration;
        long total = Math.Max((long)_header.Targets, up);
        x.WriteStartElement("runstats");
        x.WriteStartElement("finished");
        x.WriteAttributeString("time", ReportText.Invariant(finished.ToUnixTimeSeconds()));
        x.WriteAttributeString("timestr", ReportText.CTime(finished));
        x.WriteAttributeString("elapsed", ReportText.Seconds(summary.Duration));
        x.WriteAttributeString("summary",
            $"RawScan done at {ReportText.CTime(finished)}; {ReportText.Plural(total, "IP address", "IP addresses")} ({ReportText.Plural(up, "host", "hosts")} up) scanned in {ReportText.Seconds(summary.Duration)} seconds");
        x.WriteAttributeString("exit", summary.End == ScanEnd.Completed ? "success" : "error");
        if (summary.End != ScanEnd.Completed)
            x.WriteAttributeString("errormsg", Clean(summary.Error ?? (summary.End == ScanEnd.Interrupted ? "interrupted" : "failed")));
        x.WriteEndElement();
        x.WriteStartElement("hosts");
        x.WriteAttributeString("up", ReportText.Invariant(up));
        x.WriteAttributeString("down", ReportText.Invariant(total - up));
        x.WriteAttributeString("total", ReportText.Invariant(total));
        x.WriteEndElement();
        x.WriteEndElement();
        x.WriteEndElement(); // nmaprun
        x.WriteEndDocument();
        x.Flush();
        _text.Write('\n');
        _text.Flush();
    }

    /// <summary>
    /// A host that answered: up, for its most telling reply (syn-ack before reset before a UDP
    /// answer before an ICMP error) and that reply's TTL; first and last reply times; its RTT as
    /// nmap's &lt;times&gt; (microseconds: smoothed, variation, and the timeout they give, 100 ms at least
    /// as RawScan's); the folded states, then the listed ports.
    /// </summary>
    private void WriteHost(XmlWriter x, HostView v, int portsPerHost)
    {
        var h = v.Host;
        x.WriteStartElement("host");
        if (h.FirstMicros != 0)
        {
            x.WriteAttributeString("starttime", ReportText.Invariant(h.FirstMicros / 1_000_000));
            x.WriteAttributeString("endtime", ReportText.Invariant(h.LastMicros / 1_000_000));
        }
        x.WriteStartElement("status");
        x.WriteAttributeString("state", "up");
        x.WriteAttributeString("reason", h.Reason.Name());
        x.WriteAttributeString("reason_ttl", ReportText.Invariant(h.ReasonTtl));
        x.WriteEndElement();
        x.WriteStartElement("address");
        x.WriteAttributeString("addr", Ip.Format(h.Address));
        x.WriteAttributeString("addrtype", Ip.IsV4(h.Address) ? "ipv4" : "ipv6");
        x.WriteEndElement();
        x.WriteStartElement("hostnames");
        x.WriteEndElement();
        x.WriteStartElement("ports");
        foreach (var (state, count) in v.FoldedStates())
        {
            x.WriteStartElement("extraports");
            x.WriteAttributeString("state", state.Name());
            x.WriteAttributeString("count", ReportText.Invariant(count));
            foreach (var b in v.Folded)
            {
                if (b.State != state) continue;
                x.WriteStartElement("extrareasons");
                x.WriteAttributeString("reason", b.Reason.Name());
                x.WriteAttributeString("count", ReportText.Invariant(b.Count));
                x.WriteAttributeString("proto", b.Protocol.Name());
                if (v.PortsOf(b, _header!, portsPerHost) is { } ports) x.WriteAttributeString("ports", ports);
                x.WriteEndElement();
            }
            x.WriteEndElement();
        }
        foreach (var r in v.Rows)
        {
            x.WriteStartElement("port");
            x.WriteAttributeString("protocol", r.Protocol.Name());
            x.WriteAttributeString("portid", ReportText.Invariant(r.Port));
            x.WriteStartElement("state");
            x.WriteAttributeString("state", r.State.Name());
            x.WriteAttributeString("reason", r.ReasonOrDefault.Name());
            x.WriteAttributeString("reason_ttl", ReportText.Invariant(r.Ttl));
            x.WriteEndElement();
            if (h.FindingOf(r) is { } finding)
            {
                WriteService(x, finding);
                x.WriteEndElement();
                continue;
            }
            // No <service> for a port the registry cannot name: nmap's "unknown" is a name it
            // looked up, and ndiff would show a made-up one as the service. A service whose own
            // protocol answered our probe (its cookie echoed) is confirmed: nmap's "probed".
            if (registry.Lookup(r.Protocol, r.Port).Name is { Length: > 0 } name)
            {
                bool probed = r.Reason == PortReason.ProtoResponse;
                x.WriteStartElement("service");
                x.WriteAttributeString("name", Clean(name));
                x.WriteAttributeString("method", probed ? "probed" : "table");
                x.WriteAttributeString("conf", probed ? "10" : "3");
                x.WriteEndElement();
            }
            x.WriteEndElement();
        }
        x.WriteEndElement();
        if (h.RttSamples > 0)
        {
            x.WriteStartElement("times");
            x.WriteAttributeString("srtt", ReportText.Invariant(h.SrttMicros));
            x.WriteAttributeString("rttvar", ReportText.Invariant(h.RttvarMicros));
            x.WriteAttributeString("to", ReportText.Invariant(Math.Max(h.SrttMicros + 4 * h.RttvarMicros, 100_000)));
            x.WriteEndElement();
        }
        x.WriteEndElement();
    }

    /// <summary>
    /// A banner grab's finding as nmap -sV writes it: &lt;service name product version extrainfo
    /// tunnel method conf&gt; (attributes in nmap's order; tunnel only "ssl", the one value nmap.dtd
    /// allows; no &lt;service&gt; when nothing named the service, as for an unnamed port), then the
    /// bytes as nmap's banner script reports them, &lt;script id="banner" output="..."/&gt; in
    /// <see cref="BannerText"/>'s form, with a TLS certificate's subject and issuer as the script's
    /// &lt;elem key="tls_subject"&gt; and &lt;elem key="tls_issuer"&gt; (NSE's structured output).
    /// </summary>
    private static void WriteService(XmlWriter x, ServiceFinding f)
    {
        if (f.Service is { Length: > 0 } name)
        {
            x.WriteStartElement("service");
            x.WriteAttributeString("name", Clean(name));
            if (f.Product is not null) x.WriteAttributeString("product", Clean(f.Product));
            if (f.Version is not null) x.WriteAttributeString("version", Clean(f.Version));
            if (f.Info is not null) x.WriteAttributeString("extrainfo", Clean(f.Info));
            if (f.Tunnel == "ssl") x.WriteAttributeString("tunnel", "ssl");
            x.WriteAttributeString("method", ServiceFinding.MethodName(f.Method));
            x.WriteAttributeString("conf", ReportText.Invariant(f.Confidence));
            x.WriteEndElement();
        }
        // One script a port: ndiff (Debian's, Python 3) sorts a port's script results and fails on two.
        if (f.Banner.Length > 0 || f.TlsSubject is not null || f.TlsIssuer is not null)
        {
            x.WriteStartElement("script");
            x.WriteAttributeString("id", "banner");
            x.WriteAttributeString("output", BannerText.Encode(f.Banner));
            WriteElem(x, "tls_subject", f.TlsSubject);
            WriteElem(x, "tls_issuer", f.TlsIssuer);
            x.WriteEndElement();
        }
    }

    private static void WriteElem(XmlWriter x, string key, string? value)
    {
        if (value is null) return;
        x.WriteStartElement("elem");
        x.WriteAttributeString("key", key);
        x.WriteString(Clean(value));
        x.WriteEndElement();
    }

    /// <summary>Characters XML 1.0 cannot carry at all (controls but tab and line ends) become '?'.</summary>
    private static string Clean(string s)
    {
        if (s.All(XmlConvert.IsXmlChar)) return s;
        var sb = new StringBuilder(s.Length);
        foreach (char c in s) sb.Append(XmlConvert.IsXmlChar(c) || char.IsSurrogate(c) ? c : '?');
        return sb.ToString();
    }

    /// <summary>A comment may not hold "--" (XML 1.0 §2.5), which any "--rate" has.</summary>
    private static string CommentSafe(string s)
    {
        s = Clean(s);
        while (s.Contains("--")) s = s.Replace("--", "- -");
        return s.EndsWith('-') ? s + " " : s;
    }

    public void Dispose()
    {
        _xml?.Dispose();
        _text.Dispose();
    }

    /// <summary>
    /// Reads the ports of nmap XML back (RawScan's, or nmap's own for a SYN or UDP scan): every
    /// &lt;port&gt; of every &lt;host&gt; with its IPv4 address, state and reason_ttl.
    /// </summary>
    /// <exception cref="FormatException">Not nmap XML, or a port RawScan cannot represent (its line is in the message).</exception>
    public static IEnumerable<PortResult> Read(TextReader text) => ReadEntries(text).Select(e => e.Result);

    /// <summary>
    /// The ports with their findings: a port whose &lt;service&gt; says method="probed" (RawScan's
    /// --banners, or nmap -sV), or that has a banner script, has one; a registry guess
    /// alone (method="table", no script) has none.
    /// </summary>
    public static List<ReportEntry> ReadEntries(TextReader text)
    {
        var results = new List<ReportEntry>();
        int last = -1;                                   // the port whose <service> and <script>s come next
        ServiceFinding? found = null;
        bool isFinding = false;
        string? elemKey = null;                          // inside <elem key="tls_subject|tls_issuer"> of a banner script
        void Attach()
        {
            if (last >= 0 && isFinding && found is not null) results[last] = results[last] with { Service = found };
        }
        using var x = XmlReader.Create(text, new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, XmlResolver = null });
        var info = (IXmlLineInfo)x;
        string Where() => $"line {info.LineNumber}";
        bool root = true;
        UInt128 address = 0;
        bool haveAddress = false;
        Protocol proto = Protocol.Tcp;
        ushort port = 0;
        bool inPort = false;
        try
        {
            while (x.Read())
            {
                if (elemKey is not null && x.NodeType is XmlNodeType.Text or XmlNodeType.CDATA)
                {
                    found = elemKey == "tls_subject" ? found! with { TlsSubject = x.Value } : found! with { TlsIssuer = x.Value };
                    Attach();
                }
                if (x.NodeType != XmlNodeType.Whitespace && x.NodeType != XmlNodeType.SignificantWhitespace) elemKey = null;
                if (x.NodeType != XmlNodeType.Element) continue;
                if (root)
                {
                    if (x.Name != "nmaprun") throw new FormatException($"{Where()}: the root element is <{x.Name}>, not <nmaprun>");
                    root = false;
                    continue;
                }
                switch (x.Name)
                {
                    case "host":
                        haveAddress = false;
                        inPort = false;
                        last = -1;
                        break;
                    case "address" when x.GetAttribute("addrtype") is null or "ipv4" or "ipv6":
                        if (!Ip.TryParse(x.GetAttribute("addr"), out address))
                            throw new FormatException($"{Where()}: bad address '{x.GetAttribute("addr")}'");
                        haveAddress = true;
                        break;
                    case "port":
                        string? p = x.GetAttribute("protocol");
                        if (p is not ("tcp" or "udp")) throw new FormatException($"{Where()}: protocol '{p}' is not tcp or udp");
                        if (!ushort.TryParse(x.GetAttribute("portid"), NumberStyles.None, CultureInfo.InvariantCulture, out port))
                            throw new FormatException($"{Where()}: bad portid '{x.GetAttribute("portid")}'");
                        if (!haveAddress) throw new FormatException($"{Where()}: a port before its host's IPv4 address");
                        proto = p == "udp" ? Protocol.Udp : Protocol.Tcp;
                        inPort = true;
                        last = -1;
                        break;
                    case "state" when inPort:
                        if (!PortStateNames.TryParse(x.GetAttribute("state") ?? "", out var state))
                            throw new FormatException($"{Where()}: port state '{x.GetAttribute("state")}' is not one RawScan reports");
                        byte.TryParse(x.GetAttribute("reason_ttl"), NumberStyles.None, CultureInfo.InvariantCulture, out byte ttl);
                        PortReasonNames.TryParse(x.GetAttribute("reason"), out var reason);
                        results.Add(new PortResult(address, proto, port, state, ttl, 0, reason));
                        inPort = false;
                        last = results.Count - 1;
                        found = null;
                        isFinding = false;
                        break;
                    case "service" when last >= 0:
                        bool probed = x.GetAttribute("method") == "probed";
                        found = new ServiceFinding
                        {
                            Service = x.GetAttribute("name"), Product = x.GetAttribute("product"), Version = x.GetAttribute("version"),
                            Info = x.GetAttribute("extrainfo"), Tunnel = x.GetAttribute("tunnel"),
                            Method = probed ? ServiceMethod.Probed : ServiceMethod.Table,
                        };
                        isFinding = probed;
                        Attach();
                        break;
                    case "script" when last >= 0 && x.GetAttribute("id") == "banner":
                        found = (found ?? new ServiceFinding()) with { Banner = BannerText.Decode(x.GetAttribute("output") ?? "") };
                        isFinding = true;
                        Attach();
                        break;
                    case "elem" when last >= 0 && isFinding && x.GetAttribute("key") is "tls_subject" or "tls_issuer":
                        elemKey = x.GetAttribute("key");                  // its text is the next node
                        break;
                }
            }
        }
        catch (XmlException e)
        {
            // Our words, not the parser's: a truncated file is the usual case.
            throw new FormatException($"line {e.LineNumber}: not well-formed XML (cut short, or not XML)", e);
        }
        if (root) throw new FormatException("no <nmaprun> element");
        return results;
    }
}
