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
                    _w.Write(Field(registry.Lookup(r.Protocol, r.Port).Name));
                    _w.Write("///");
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

    private static string OneLine(string s) => s.Replace('\r', ' ').Replace('\n', ' ');

    /// <summary>Reads the ports of grepable output back (RawScan's or nmap's -oG); TTLs read as 0.</summary>
    /// <exception cref="FormatException">A line that is neither a comment nor a host line (its number is in the message).</exception>
    public static IEnumerable<PortResult> Read(TextReader reader)
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
                    yield return new PortResult(ip, parts[2] == "udp" ? Protocol.Udp : Protocol.Tcp, port, state, 0, 0);
                }
            }
        }
    }
}
