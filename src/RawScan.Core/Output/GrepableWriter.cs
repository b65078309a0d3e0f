using System.Globalization;
using RawScan.Registry;
using RawScan.Results;
using RawScan.Targets;

namespace RawScan.Output;

/// <summary>
/// nmap's grepable format (-oG): a "#" header; for each host that answered anything (a host that
/// answered only with RSTs is up), a status line and a ports line as nmap writes them:
/// <code>
/// Host: 198.18.0.1 ()	Status: Up
/// Host: 198.18.0.1 ()	Ports: 22/open/tcp//ssh///, 53/open|filtered/udp//domain///	Ignored State: closed (993)
/// </code>
/// and a "#" footer. Each port is nmap's port/state/protocol/owner/service/rpc info/version/, so the
/// fields RawScan does not have stay empty. Which ports are listed is nmap's rule
/// (<see cref="HostView"/>); "Ignored State:" names the folded state with the most ports and its
/// count, and any other folded state after it ("closed (993), filtered (30)"). A host whose ports
/// are all folded has no "Ports:" field. So the usual recipes work: <c>grep open</c>,
/// <c>awk '/Status: Up/{print $2}'</c>. Hosts that never answered are down and not written. Written
/// at <see cref="End"/> (a host's line needs all its ports); the header at <see cref="Begin"/>. The
/// format has no place for a TTL: it reads back as 0.
/// </summary>
public sealed class GrepableWriter(Stream stream, IServiceRegistry registry) : IReportWriter
{
    public const string HeaderPrefix = "# Nmap-style grepable output by RawScan";
    public const string FooterPrefix = "# RawScan done at";

    private readonly StreamWriter _w = ReportText.Open(stream);
    private ScanHeader? _header;
    private HostTallies? _tallies;
    private bool _ended;

    public void Begin(ScanHeader header)
    {
        if (_header is not null) return;
        _header = header;
        _tallies ??= new HostTallies(header);
        _w.Write($"{HeaderPrefix} {OneLine(header.Version)} scan initiated {ReportText.CTime(header.Start)} as: {OneLine(header.CommandLine)}\n");
    }

    public void OnResult(in PortResult r)
    {
        if (_ended) return;
        _tallies ??= new HostTallies(new ScanHeader("", DateTimeOffset.UtcNow, new ScanPorts(PortSet.None, PortSet.None), 0, "",
            new ShownStates(true, true), Partial: true));
        _tallies.Add(r, out _);
    }

    /// <summary>
    /// An open port with its banner grab's finding, written as nmap -sV's grepable form:
    /// 22/open/tcp//ssh//OpenSSH 9.2p1 (protocol 2.0)/ (service "ssl|http" for HTTP in TLS, as nmap
    /// writes it; the banner itself has no place in the format).
    /// </summary>
    public void OnService(in PortResult r, ServiceFinding service)
    {
        if (_ended) return;
        _tallies ??= new HostTallies(new ScanHeader("", DateTimeOffset.UtcNow, new ScanPorts(PortSet.None, PortSet.None), 0, "",
            new ShownStates(true, true), Partial: true));
        _tallies.Add(r, service, out _);
    }

    public void End(ScanSummary summary)
    {
        if (_ended) return;
        if (_header is null)
            Begin(new ScanHeader("", DateTimeOffset.UtcNow - summary.Duration, new ScanPorts(PortSet.None, PortSet.None), 0, ""));
        _ended = true;
        var tallies = _tallies!;
        tallies.Complete(summary);
        foreach (var h in tallies.All())
        {
            var v = new HostView(h, tallies.Shown);
            string host = $"Host: {Ip.Format(h.Address)} ()";
            _w.Write(host);
            _w.Write("\tStatus: Up\n");
            _w.Write(host);
            if (v.Rows.Length > 0)
            {
                _w.Write("\tPorts: ");
                for (int i = 0; i < v.Rows.Length; i++)
                {
                    var r = v.Rows[i];
                    if (i > 0) _w.Write(", ");
                    _w.Write(r.Port.ToString(CultureInfo.InvariantCulture));
                    _w.Write('/');
                    _w.Write(r.State.Name());
                    _w.Write('/');
                    _w.Write(r.Protocol.Name());
                    _w.Write("//");
                    var finding = h.FindingOf(r);
                    _w.Write(Field(finding is not null && FindingText.Service(finding) is { } detected ? detected : registry.Lookup(r.Protocol, r.Port).Name));
                    _w.Write("//");
                    if (finding is { Method: ServiceMethod.Probed }) _w.Write(Field(FindingText.Version(finding)));
                    _w.Write('/');
                }
            }
            var folded = v.FoldedStates().ToList();
            if (folded.Count > 0)
                _w.Write("\tIgnored State: " + string.Join(", ", folded.Select(f => $"{f.State.Name()} ({f.Count})")));
            _w.Write('\n');
        }
        int up = tallies.Up;
        var finished = _header!.Start + summary.Duration;
        long total = Math.Max((long)_header.Targets, up);
        _w.Write($"{FooterPrefix} {ReportText.CTime(finished)} -- {ReportText.Plural(total, "IP address", "IP addresses")} ({ReportText.Plural(up, "host", "hosts")} up) scanned in {ReportText.Seconds(summary.Duration)} seconds");
        if (summary.End != ScanEnd.Completed)
            _w.Write($" ({(summary.End == ScanEnd.Interrupted ? "interrupted" : "failed")}{(summary.Error is { } e ? ": " + OneLine(e) : "")})");
        _w.Write('\n');
        _w.Flush();
    }

    public void Dispose() => _w.Dispose();

    /// <summary>
    /// A service name as a port field: '/' separates fields and ", " ports, so as nmap does for
    /// version strings, '/' becomes '|' and ',' becomes ';'; tabs and line ends become spaces.
    /// </summary>
    internal static string Field(string? name) =>
        name is null ? "" : name.Replace('/', '|').Replace(',', ';').Replace('\t', ' ').Replace('\r', ' ').Replace('\n', ' ');

    private static ServiceFinding Finding(string service, string version)
    {
        string? info = null;
        int open = version.LastIndexOf(" (", StringComparison.Ordinal);
        if (version.EndsWith(')') && (open >= 0 || version[0] == '('))
        {
            int at = open >= 0 ? open + 2 : 1;
            info = version[at..^1];
            version = open >= 0 ? version[..open] : "";
        }
        bool ssl = service.StartsWith("ssl|", StringComparison.Ordinal);
        return new ServiceFinding
        {
            Service = service.Length == 0 ? null : ssl ? service[4..] : service, Tunnel = ssl ? "ssl" : null,
            Product = version.Length == 0 ? null : version, Info = info, Method = ServiceMethod.Probed,
        };
    }

    private static string OneLine(string s) => s.Replace('\r', ' ').Replace('\n', ' ');

    /// <summary>Reads the ports of grepable output back (RawScan's or nmap's -oG); TTLs read as 0.</summary>
    /// <exception cref="FormatException">A line that is neither a comment nor a host line (its number is in the message).</exception>
    public static IEnumerable<PortResult> Read(TextReader reader) => ReadEntries(reader).Select(e => e.Result);

    /// <summary>
    /// The ports with what the format keeps of a finding: a port whose version field is filled (RawScan's
    /// --banners, nmap -sV) has one, probed, with its service ("ssl|http" read as http in ssl), the version
    /// text as the product ("OpenSSH 9.2p1") and a last "(...)" as the info. No banner.
    /// </summary>
    public static IEnumerable<ReportEntry> ReadEntries(TextReader reader)
    {
        string? line;
        int n = 0;
        while ((line = reader.ReadLine()) is not null)
        {
            n++;
            if (line.Length == 0 || line[0] == '#') continue;
            if (!line.StartsWith("Host: ", StringComparison.Ordinal))
                throw new FormatException($"line {n}: not a grepable host line");
            var fields = line.Split('\t');
            var head = fields[0]["Host: ".Length..];
            int space = head.IndexOf(' ');
            var ipText = space < 0 ? head : head[..space];
            if (!Ip.TryParse(ipText, out UInt128 ip)) throw new FormatException($"line {n}: bad address '{ipText}'");
            foreach (var f in fields.Skip(1))
            {
                if (!f.StartsWith("Ports: ", StringComparison.Ordinal)) continue; // Status:, Ignored State:, OS:...
                foreach (var entry in f["Ports: ".Length..].Split(", "))
                {
                    var parts = entry.Split('/');
                    if (parts.Length < 3
                        || !ushort.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out ushort port)
                        || !PortStateNames.TryParse(parts[1], out var state)
                        || parts[2] is not ("tcp" or "udp"))
                        throw new FormatException($"line {n}: bad port entry '{entry}'");
                    var result = new PortResult(ip, parts[2] == "udp" ? Protocol.Udp : Protocol.Tcp, port, state, 0, 0);
                    yield return new ReportEntry(result, parts.Length > 6 && parts[6].Length > 0 ? Finding(parts[4], parts[6]) : null);
                }
            }
        }
    }
}
