using System.Globalization;
using System.Text;
using System.Xml;
using RawScan.Registry;
using RawScan.Results;
using RawScan.Targets;

namespace RawScan.Output;

/// <summary>
/// nmap's XML (-oX), valid against nmap.dtd (xmloutputversion 1.05) and read by ndiff, zenmap and
/// the tools that read nmap's XML.
/// <para>
/// One &lt;host&gt; per host, grouped at <see cref="End"/>, not one per result as masscan writes:
/// ndiff pairs hosts by address after a stable sort, so with several &lt;host&gt; elements for one
/// address it pairs them by position, and two identical scans whose results arrived in different
/// orders would differ, one extra port would shift every pair after it. The header is written at
/// <see cref="Begin"/>; the results are kept (a <see cref="PortResult"/>, 24 bytes, each) until
/// End, so memory grows with the results written, not with the probes of the scan.
/// </para>
/// <para>
/// scanner="nmap", not "rawscan": the DTD declares the attribute as the enumeration (nmap), so any
/// other value fails validation (masscan's files do). RawScan is named in the leading comment, in
/// version and in args (the command line as typed).
/// </para>
/// </summary>
public sealed class NmapXmlWriter(Stream stream, IServiceRegistry registry) : IReportWriter
{
    public const string XmlOutputVersion = "1.05";

    private readonly StreamWriter _text = ReportText.Open(stream);
    private XmlWriter? _xml;
    private ScanHeader? _header;
    private readonly List<PortResult> _results = [];
    private bool _ended;

    public void Begin(ScanHeader header)
    {
        if (_xml is not null) return;
        _header = header;
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
        x.WriteComment($" rawscan {header.Version} scan initiated {ReportText.CTime(header.Start)} as: {CommentSafe(header.CommandLine)} ");
        x.WriteStartElement("nmaprun");
        x.WriteAttributeString("scanner", "nmap");
        x.WriteAttributeString("args", Clean(header.CommandLine));
        x.WriteAttributeString("start", ReportText.Invariant(header.Start.ToUnixTimeSeconds()));
        x.WriteAttributeString("startstr", ReportText.CTime(header.Start));
        x.WriteAttributeString("version", Clean(header.Version));
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

    public void OnResult(in PortResult r)
    {
        if (!_ended) _results.Add(r);
    }

    public void End(ScanSummary summary)
    {
        if (_ended) return;
        // A scan that failed before Begin still leaves a valid file: its header has no scaninfo.
        if (_xml is null)
            Begin(new ScanHeader("", DateTimeOffset.UtcNow - summary.Duration, new ScanPorts(PortSet.None, PortSet.None), 0, ""));
        _ended = true;
        var x = _xml!;
        int hosts = 0;
        foreach (var host in ReportText.ByHost(_results))
        {
            hosts++;
            WriteHost(x, host);
        }
        _results.Clear();
        _results.TrimExcess();

        var start = _header!.Start;
        var finished = start + summary.Duration;
        long total = Math.Max((long)_header.Targets, hosts);
        x.WriteStartElement("runstats");
        x.WriteStartElement("finished");
        x.WriteAttributeString("time", ReportText.Invariant(finished.ToUnixTimeSeconds()));
        x.WriteAttributeString("timestr", ReportText.CTime(finished));
        x.WriteAttributeString("elapsed", ReportText.Seconds(summary.Duration));
        x.WriteAttributeString("summary",
            $"rawscan done at {ReportText.CTime(finished)}; {ReportText.Plural(total, "IP address", "IP addresses")} ({ReportText.Plural(hosts, "host", "hosts")} up) scanned in {ReportText.Seconds(summary.Duration)} seconds");
        x.WriteAttributeString("exit", summary.End == ScanEnd.Completed ? "success" : "error");
        if (summary.End != ScanEnd.Completed)
            x.WriteAttributeString("errormsg", Clean(summary.Error ?? (summary.End == ScanEnd.Interrupted ? "interrupted" : "failed")));
        x.WriteEndElement();
        x.WriteStartElement("hosts");
        x.WriteAttributeString("up", ReportText.Invariant(hosts));
        x.WriteAttributeString("down", ReportText.Invariant(total - hosts));
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
    /// Every host written is "up": RawScan does no host discovery, it was told to scan the address,
    /// as nmap -Pn is. The status's reason is the host's first kind of reply (syn-ack before reset
    /// before a UDP answer before an ICMP error), or "user-set" (nmap -Pn's) when nothing answered.
    /// </summary>
    private void WriteHost(XmlWriter x, ArraySegment<PortResult> host)
    {
        var (reason, ttl) = HostReason(host);
        x.WriteStartElement("host");
        x.WriteStartElement("status");
        x.WriteAttributeString("state", "up");
        x.WriteAttributeString("reason", reason);
        x.WriteAttributeString("reason_ttl", ReportText.Invariant(ttl));
        x.WriteEndElement();
        x.WriteStartElement("address");
        x.WriteAttributeString("addr", Ipv4.Format(host[0].Address));
        x.WriteAttributeString("addrtype", "ipv4");
        x.WriteEndElement();
        x.WriteStartElement("hostnames");
        x.WriteEndElement();
        x.WriteStartElement("ports");
        foreach (var r in host)
        {
            x.WriteStartElement("port");
            x.WriteAttributeString("protocol", r.Protocol.Name());
            x.WriteAttributeString("portid", ReportText.Invariant(r.Port));
            x.WriteStartElement("state");
            x.WriteAttributeString("state", r.State.Name());
            x.WriteAttributeString("reason", Reason(r));
            x.WriteAttributeString("reason_ttl", ReportText.Invariant(r.Ttl));
            x.WriteEndElement();
            // No <service> for a port the registry cannot name: nmap's "unknown" is a name it
            // looked up, and ndiff would show a made-up one as the service.
            if (registry.Lookup(r.Protocol, r.Port).Name is { Length: > 0 } name)
            {
                x.WriteStartElement("service");
                x.WriteAttributeString("name", Clean(name));
                x.WriteAttributeString("method", "table");
                x.WriteAttributeString("conf", "3");
                x.WriteEndElement();
            }
            x.WriteEndElement();
        }
        x.WriteEndElement();
        x.WriteEndElement();
    }

    /// <summary>
    /// nmap's reason names. A "filtered" with a TTL came from an ICMP unreachable whose code the
    /// result does not carry (host-unreach, admin-prohibited...): "icmp-unreach" says what is known.
    /// </summary>
    internal static string Reason(in PortResult r) => (r.Protocol, r.State) switch
    {
        (Protocol.Tcp, PortState.Open) => "syn-ack",
        (Protocol.Tcp, PortState.Closed) => "reset",
        (Protocol.Udp, PortState.Open) => "udp-response",
        (Protocol.Udp, PortState.Closed) => "port-unreach",
        (_, PortState.Filtered) when r.Ttl != 0 => "icmp-unreach",
        _ => "no-response",
    };

    private static (string Reason, byte Ttl) HostReason(ArraySegment<PortResult> host)
    {
        int best = int.MaxValue;
        (string, byte) found = ("user-set", 0);
        foreach (var r in host)
        {
            int rank = (r.Protocol, r.State) switch
            {
                (Protocol.Tcp, PortState.Open) => 0,
                (Protocol.Tcp, PortState.Closed) => 1,
                (Protocol.Udp, PortState.Open) => 2,
                (Protocol.Udp, PortState.Closed) => 3,
                (_, PortState.Filtered) when r.Ttl != 0 => 4,
                _ => int.MaxValue,
            };
            if (rank < best) { best = rank; found = (Reason(r), r.Ttl); }
        }
        return found;
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
    public static List<PortResult> Read(TextReader text)
    {
        var results = new List<PortResult>();
        using var x = XmlReader.Create(text, new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, XmlResolver = null });
        var info = (IXmlLineInfo)x;
        string Where() => $"line {info.LineNumber}";
        bool root = true;
        uint address = 0;
        bool haveAddress = false;
        Protocol proto = Protocol.Tcp;
        ushort port = 0;
        bool inPort = false;
        try
        {
            while (x.Read())
            {
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
                        break;
                    case "address" when x.GetAttribute("addrtype") is null or "ipv4":
                        if (!Ipv4.TryParse(x.GetAttribute("addr"), out address))
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
                        break;
                    case "state" when inPort:
                        if (!PortStateNames.TryParse(x.GetAttribute("state") ?? "", out var state))
                            throw new FormatException($"{Where()}: port state '{x.GetAttribute("state")}' is not one RawScan reports");
                        byte.TryParse(x.GetAttribute("reason_ttl"), NumberStyles.None, CultureInfo.InvariantCulture, out byte ttl);
                        results.Add(new PortResult(address, proto, port, state, ttl, 0));
                        inPort = false;
                        break;
                }
            }
        }
        catch (XmlException e)
        {
            throw new FormatException($"line {e.LineNumber}: not well-formed XML ({e.Message})", e);
        }
        if (root) throw new FormatException("no <nmaprun> element");
        return results;
    }
}
