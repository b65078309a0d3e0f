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

    public void OnResult(in PortResult r)
    {
        if (_ended) return;
        if (_tallies is null) Begin(new ScanHeader("", DateTimeOffset.UtcNow, new ScanPorts(PortSet.None, PortSet.None), 0, "", Partial: true));
        if (_options.OpenLines)
        {
            if (_tallies!.Shown.Includes(r.State))
            {
                WriteLine(r);
                _flush.Dirty = true;
            }
            return;
        }
        var h = _tallies!.Add(r, out bool settled);
        if (settled && h is not null && !h.Printed) Print(h);
    }

    public void Tick(long wallMicros) => _flush.Tick(_out, wallMicros);

    public void End(ScanSummary summary)
    {
        if (_ended) return;
        _ended = true;
        if (_tallies is not null && !_options.OpenLines)
        {
            _tallies.Complete(summary);
            foreach (var h in _tallies.Unprinted()) Print(h);
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
        h.Printed = true;
        h.Kept.Clear();
        h.Kept.TrimExcess();
        _out.Write(text);
        _flush.Dirty = true;
    }

    /// <summary>"open 443/tcp on 198.18.0.7 https": formatted on the stack but for the service name.</summary>
    private void WriteLine(in PortResult r)
    {
        _out.Write(r.State.Name());
        _out.Write(' ');
        ReportText.WriteNumber(_out, r.Port);
        _out.Write('/');
        _out.Write(r.Protocol.Name());
        _out.Write(" on ");
        ReportText.WriteAddress(_out, r.Address);
        if (_registry.Lookup(r.Protocol, r.Port).Name is { } name)
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
        w.Write(Ipv4.Format(h.Address));
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
                var cells = new List<string> { $"{r.Port}/{r.Protocol.Name()}", r.State.Name(), info.Name ?? "unknown" };
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
