using System.Globalization;
using RawScan.Registry;
using RawScan.Results;
using RawScan.Targets;

namespace RawScan.Output;

/// <summary>What the printed table shows besides nmap's three columns.</summary>
/// <param name="Reason">--reason: REASON and TTL columns (TTL "-" where nothing answered).</param>
/// <param name="OpenLines">--open-lines: a line per port the moment it is found ("open 443/tcp on 198.18.0.7 https"), masscan's way, instead of host blocks.</param>
public sealed record TableOptions(bool Reason = false, bool OpenLines = false);

/// <summary>
/// The readable report (the default, on standard output), as nmap prints it, streamed: a host's
/// block is written once the host is settled, that is once each port of the scan has its result
/// (known only in a scan without --shard/--resume; otherwise, and for hosts still open when the scan
/// ends, at <see cref="End"/>, in address order):
/// <code>
/// 198.18.0.1 (up, 0.05 ms)
/// Not shown: 993 closed tcp ports (reset)
/// PORT     STATE SERVICE    FLAGS
/// 22/tcp   open  ssh
/// 8080/tcp open  http-proxy alternate-service
/// </code>
/// Which ports are listed and which folded into "Not shown" is nmap's rule (<see cref="HostView"/>);
/// hosts that never answered are down and not printed. Per-host state is kept only for hosts that
/// answered (<see cref="HostTallies"/>). Results arrive on the receive thread: a block is written to
/// a buffered writer, and the receive loop's tick flushes it a few times a second (<see cref="FlushPeriod"/>), so
/// the receive thread does not wait on a terminal for each host.
/// </summary>
public sealed class TableWriter : IReportWriter
{
    public static readonly TimeSpan FlushPeriod = TimeSpan.FromMilliseconds(200);

    private readonly TextWriter _out;
    private readonly IServiceRegistry _registry;
    private readonly TableOptions _options;
    private readonly bool _ownsWriter;
    private FlushPacer _flush = new(FlushPeriod);
    private ScanHeader? _header;
    private HostTallies? _tallies;
    private bool _ended;

    public TableWriter(TextWriter output, IServiceRegistry registry, TableOptions? options = null, bool ownsWriter = false)
    {
        _out = output;
        _registry = registry;
        _options = options ?? new TableOptions();
        _ownsWriter = ownsWriter;
    }

    /// <summary>Hosts that answered so far.</summary>
    public int HostsUp => _tallies?.Up ?? 0;

    public void Begin(ScanHeader header)
    {
        _header = header;
        _tallies = new HostTallies(header);
    }

    public void OnResult(in PortResult r) => Add(r, null);

    /// <summary>
    /// An open port with its banner grab's finding: the SERVICE cell says what answered and, where the
    /// registry guessed another service, that guess (<see cref="FindingText.Cell"/>):
    /// "8080/tcp open ssh OpenSSH 9.2p1 (registry: http-proxy)".
    /// </summary>
    public void OnService(in PortResult r, ServiceFinding service) => Add(r, service);

    private void Add(in PortResult r, ServiceFinding? finding)
    {
        if (_ended) return;
        if (_tallies is null) Begin(new ScanHeader("", DateTimeOffset.UtcNow, new ScanPorts(PortSet.None, PortSet.None), 0, "", Partial: true));
        if (_options.OpenLines)
        {
            if (_tallies!.Shown.Includes(r.State))
            {
                WriteLine(r, finding);
                _flush.Dirty = true;
            }
            return;
        }
        if (_tallies!.PortsPerHost == 1)
        {
            // One port a host (a sweep): this result settles its host. Written straight from the
            // result, with nothing held or built per host: a /16 x 80 sweep formatted 65,536 blocks
            // through HostView on the receive thread, which fell behind the replies (the send loop,
            // which ends once every probe is answered, took 0.50 s instead of 0.36 s).
            if (r.Answered)
            {
                WriteOnePortHost(r, finding);
                _tallies.CountWritten();
                _flush.Dirty = true;
            }
            return;
        }
        var h = _tallies.Add(r, finding, out bool settled);
        if (settled && h is not null) Print(h);
    }

    /// <summary>
    /// The block <see cref="Block"/> writes for a host with one result that answered, written to the
    /// output directly: the same text (TableReportTests checks both ways give it), no allocation but a
    /// flagged port's flag list, made once per port.
    /// </summary>
    private void WriteOnePortHost(in PortResult r, ServiceFinding? finding)
    {
        var w = _out;
        ReportText.WriteAddress(w, r.Address);
        if (r.RttMicros != 0)
        {
            w.Write(" (up, ");
            Span<char> ms = stackalloc char[24];
            ((double)r.RttMicros / 1000.0).TryFormat(ms, out int n, "0.00", CultureInfo.InvariantCulture);
            w.Write(ms[..n]);
            w.Write(" ms)\n");
        }
        else w.Write(" (up)\n");
        if (!_tallies!.Shown.Includes(r.State))
        {
            w.Write("Not shown: 1 ");
            w.Write(r.State.Name());
            w.Write(' ');
            w.Write(r.Protocol.Name());
            w.Write(" port (");
            w.Write(r.ReasonOrDefault.Name());
            w.Write(")\n\n");
            return;
        }
        var info = _registry.Lookup(r.Protocol, r.Port);
        string service = finding is null ? info.Name ?? "unknown" : FindingText.Cell(finding, info), state = r.State.Name(), flags = FlagText(r.Protocol, r.Port, info.Flags);
        int portWidth = Math.Max(4, Digits(r.Port) + 4), stateWidth = Math.Max(5, state.Length), serviceWidth = Math.Max(7, service.Length);
        bool withFlags = flags.Length > 0;
        string reason = r.ReasonOrDefault.Name();
        int reasonWidth = Math.Max(6, reason.Length), ttlWidth = Math.Max(3, r.Answered ? Digits(r.Ttl) : 1);
        // Header, then the row: cells padded to their column but the last, which is not.
        Cell(w, "PORT", portWidth, false);
        Cell(w, "STATE", stateWidth, false);
        if (_options.Reason)
        {
            Cell(w, "SERVICE", serviceWidth, false);
            Cell(w, "REASON", reasonWidth, false);
            Cell(w, "TTL", ttlWidth, !withFlags);
        }
        else Cell(w, "SERVICE", serviceWidth, !withFlags);
        if (withFlags) Cell(w, "FLAGS", 0, true);
        w.Write('\n');
        ReportText.WriteNumber(w, r.Port);
        w.Write('/');
        w.Write(r.Protocol.Name());
        for (int i = Digits(r.Port) + 4; i < portWidth; i++) w.Write(' ');
        w.Write(' ');
        Cell(w, state, stateWidth, false);
        if (_options.Reason)
        {
            Cell(w, service, serviceWidth, false);
            Cell(w, reason, reasonWidth, false);
            if (r.Answered) ReportText.WriteNumber(w, r.Ttl); else w.Write('-');
            if (withFlags) for (int i = r.Answered ? Digits(r.Ttl) : 1; i <= ttlWidth; i++) w.Write(' ');
        }
        else Cell(w, service, serviceWidth, !withFlags);
        if (withFlags) w.Write(flags);
        w.Write("\n\n");
    }

    /// <summary>A cell and the space after it, padded to <paramref name="width"/>; the last cell of a line unpadded and trimmed as Block trims.</summary>
    private static void Cell(TextWriter w, string text, int width, bool last)
    {
        w.Write(text);
        if (last) return;
        for (int i = text.Length; i < width; i++) w.Write(' ');
        w.Write(' ');
    }

    private static int Digits(int n) => n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : 5;

    private string?[]? _flagText;

    private string FlagText(Protocol protocol, ushort port, PortFlags flags)
    {
        if (flags == PortFlags.None) return "";
        int i = (protocol == Protocol.Tcp ? 0 : 1 << 16) + port;
        return (_flagText ??= new string?[2 << 16])[i] ??= string.Join(',', ReportText.FlagNames(flags));
    }

    public void Tick(long wallMicros) => _flush.Tick(_out, wallMicros);

    public void End(ScanSummary summary)
    {
        if (_ended) return;
        _ended = true;
        if (_tallies is not null && !_options.OpenLines)
        {
            _tallies.Complete(summary);
            foreach (var h in _tallies.All()) Print(h);           // printed hosts were forgotten: these are the rest
        }
        _out.Flush();
        _flush.Dirty = false;
    }

    public void Dispose()
    {
        if (_ownsWriter) _out.Dispose();
    }

    private void Print(HostTally h)
    {
        var text = Block(new HostView(h, _tallies!.Shown));
        _tallies.Forget(h);
        _out.Write(text);
        _flush.Dirty = true;
    }

    /// <summary>"open 443/tcp on 198.18.0.7 https": formatted on the stack but for the service name.</summary>
    private void WriteLine(in PortResult r, ServiceFinding? finding)
    {
        _out.Write(r.State.Name());
        _out.Write(' ');
        ReportText.WriteNumber(_out, r.Port);
        _out.Write('/');
        _out.Write(r.Protocol.Name());
        _out.Write(" on ");
        ReportText.WriteAddress(_out, r.Address);
        var info = _registry.Lookup(r.Protocol, r.Port);
        if ((finding is null ? info.Name : FindingText.Cell(finding, info)) is { } name)
        {
            _out.Write(' ');
            _out.Write(name);
        }
        if (_options.Reason)
        {
            _out.Write(' ');
            _out.Write(r.ReasonOrDefault.Name());
        }
        _out.Write('\n');
    }

    /// <summary>One host's block, ending with a blank line.</summary>
    internal string Block(HostView v)
    {
        var h = v.Host;
        var w = new StringWriter { NewLine = "\n" };
        w.Write(Ip.Format(h.Address));
        w.WriteLine(h.RttSamples > 0
            ? string.Create(CultureInfo.InvariantCulture, $" (up, {h.SrttMicros / 1000.0:0.00} ms)")
            : " (up)");
        foreach (var g in v.Folded.GroupBy(b => (b.State, b.Protocol)))
        {
            int n = g.Sum(b => b.Count);
            var reasons = g.ToList();
            string why = reasons.Count == 1 ? reasons[0].Reason.Name()
                : string.Join(", ", reasons.Select(b => $"{b.Count} {b.Reason.Name()}"));
            w.WriteLine($"Not shown: {n} {g.Key.State.Name()} {g.Key.Protocol.Name()} {(n == 1 ? "port" : "ports")} ({why})");
        }
        if (v.Rows.Length > 0)
        {
            var rows = new List<string[]>(v.Rows.Length + 1);
            bool flags = false;
            foreach (var r in v.Rows)
            {
                var info = _registry.Lookup(r.Protocol, r.Port);
                flags |= info.Flags != PortFlags.None;
                var cells = new List<string> { $"{r.Port}/{r.Protocol.Name()}", r.State.Name(), FindingText.Cell(h.FindingOf(r), info) };
                if (_options.Reason)
                {
                    cells.Add(r.ReasonOrDefault.Name());
                    cells.Add(r.Answered ? r.Ttl.ToString(CultureInfo.InvariantCulture) : "-");
                }
                cells.Add(string.Join(',', ReportText.FlagNames(info.Flags)));
                rows.Add([.. cells]);
            }
            string[] head = _options.Reason ? ["PORT", "STATE", "SERVICE", "REASON", "TTL", "FLAGS"] : ["PORT", "STATE", "SERVICE", "FLAGS"];
            rows.Insert(0, head);
            int columns = flags ? head.Length : head.Length - 1;
            var widths = new int[columns];
            foreach (var row in rows)
                for (int c = 0; c < columns; c++) widths[c] = Math.Max(widths[c], row[c].Length);
            foreach (var row in rows)
            {
                var line = new System.Text.StringBuilder();
                for (int c = 0; c < columns; c++)
                {
                    if (c > 0) line.Append(' ');
                    line.Append(c == columns - 1 ? row[c] : row[c].PadRight(widths[c]));
                }
                w.WriteLine(line.ToString().TrimEnd());
            }
        }
        w.WriteLine();
        return w.ToString();
    }
}
