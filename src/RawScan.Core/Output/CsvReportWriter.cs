using System.Globalization;
using System.Text;
using RawScan.Registry;
using RawScan.Results;
using RawScan.Targets;

namespace RawScan.Output;

/// <summary>
/// CSV (-oC), RFC 4180: a header row, then one row per result as it arrives, CRLF line ends, a
/// field quoted when it holds a comma, quote, CR or LF (quotes doubled). Flags are one field,
/// separated by ';': "backdoor;alternate-service". Writing onto a file that already has rows (a
/// resumed scan appends) adds rows only: the file keeps its one header. Only the states --show
/// lists (every state until <see cref="Begin"/> says otherwise). ttl is empty when nothing
/// answered; reason is nmap's word (syn-ack, reset, no-response...). Flushed at least twice a
/// second while results trickle, as JSON lines are.
/// </summary>
public sealed class CsvReportWriter : IReportWriter
{
    public const string Header = "ip,proto,port,state,service,class,flags,ttl,reason";

    /// <summary>
    /// A --banners scan's columns (<see cref="ScanHeader.Banners"/>), after <see cref="Header"/>'s, on
    /// every row: empty where a row has no finding (not an open TCP port, or nothing answered).
    /// </summary>
    public const string ServiceColumns = "detected_service,product,version,info,tunnel,method,tls_subject,tls_issuer,banner";

    public const string BannersHeader = Header + "," + ServiceColumns;

    private readonly StreamWriter _w;
    private readonly IServiceRegistry _registry;
    private FlushPacer _flush = new(JsonLinesWriter.FlushPeriod);
    private bool _headerWritten;
    private bool _banners;
    private ShownStates _shown = new(true, true);

    public CsvReportWriter(Stream stream, IServiceRegistry registry)
    {
        _w = ReportText.Open(stream);
        _registry = registry;
        _headerWritten = stream.CanSeek && stream.Length > 0;
    }

    public void Begin(ScanHeader header)
    {
        if (header is not null)
        {
            _shown = header.Shown;
            _banners = header.Banners;
        }
        WriteHeader();
    }

    /// <summary>
    /// The row with the finding in the service columns when the file has them (a --banners scan's);
    /// without them (a header that did not say --banners) the row is written as <see cref="OnResult"/> writes it.
    /// </summary>
    public void OnService(in PortResult r, ServiceFinding service)
    {
        if (!_shown.Includes(r.State)) return;
        Write(r, service);
        _flush.Dirty = true;
    }

    public void OnResult(in PortResult r)
    {
        if (!_shown.Includes(r.State)) return;
        Write(r);
        _flush.Dirty = true;
    }

    public void Tick(long wallMicros) => _flush.Tick(_w, wallMicros);

    private void Write(in PortResult r, ServiceFinding? finding = null)
    {
        WriteHeader();
        var info = _registry.Lookup(r.Protocol, r.Port);
        ReportText.WriteAddress(_w, r.Address);
        _w.Write(',');
        _w.Write(r.Protocol.Name());
        _w.Write(',');
        ReportText.WriteNumber(_w, r.Port);
        _w.Write(',');
        _w.Write(r.State.Name());
        _w.Write(',');
        WriteField(_w, info.Name ?? "");
        _w.Write(',');
        _w.Write(ServiceInfo.ClassName(info.Class));
        _w.Write(',');
        for (var rest = info.Flags; rest != 0; )               // flag names need no quoting: a-z and '-'
        {
            var f = ReportText.LowestFlag(rest);
            if (rest != info.Flags) _w.Write(';');
            _w.Write(ReportText.FlagName(f));
            rest &= ~f;
        }
        _w.Write(',');
        if (r.Answered) ReportText.WriteNumber(_w, r.Ttl);
        _w.Write(',');
        _w.Write(r.ReasonOrDefault.Name());
        if (_banners) WriteFinding(_w, finding);
        _w.Write("\r\n");
    }

    /// <summary>The <see cref="ServiceColumns"/>, each after its comma; all empty without a finding. The banner is always quoted.</summary>
    private static void WriteFinding(TextWriter w, ServiceFinding? f)
    {
        if (f is null)
        {
            w.Write(",,,,,,,,,");                                      // the nine columns, empty
            return;
        }
        foreach (var s in (ReadOnlySpan<string?>)[f.Service, f.Product, f.Version, f.Info, f.Tunnel])
        {
            w.Write(',');
            WriteField(w, s ?? "");
        }
        w.Write(',');
        w.Write(ServiceFinding.MethodName(f.Method));
        w.Write(',');
        WriteField(w, f.TlsSubject ?? "");
        w.Write(',');
        WriteField(w, f.TlsIssuer ?? "");
        w.Write(",\"");
        // The banner's text (BannerText) is printable ASCII; only its quotes need doubling, and a
        // leading '=', '+', '-' or '@' is escaped so a spreadsheet does not run the banner as a formula.
        Span<char> c = stackalloc char[BannerText.MaxCharsPerByte];
        for (int i = 0; i < f.Banner.Length; i++)
        {
            int n = BannerText.Format(f.Banner[i], c, escapeFormula: i == 0);
            if (n == 1 && c[0] == '"') w.Write('"');
            w.Write(c[..n]);
        }
        w.Write('"');
    }

    /// <summary>Even a scan that found nothing (or failed before Begin) leaves a file with its header.</summary>
    public void End(ScanSummary summary)
    {
        WriteHeader();
        _w.Flush();
        _flush.Dirty = false;
    }

    public void Dispose()
    {
        _w.Dispose();
    }

    private void WriteHeader()
    {
        if (_headerWritten) return;
        _headerWritten = true;
        _w.Write(_banners ? BannersHeader : Header);
        _w.Write("\r\n");
    }

    internal static void WriteField(TextWriter w, string s)
    {
        if (s.AsSpan().IndexOfAny(",\"\r\n") < 0) { w.Write(s); return; }
        w.Write('"');
        w.Write(s.Replace("\"", "\"\""));
        w.Write('"');
    }

    /// <summary>Reads results back: the header names the columns, so their order may differ.</summary>
    /// <exception cref="FormatException">No header, or a row that is not a result (its line number is in the message).</exception>
    public static IEnumerable<PortResult> Read(TextReader reader) => ReadEntries(reader).Select(e => e.Result);

    /// <summary>The rows with their findings: a row whose "method" column is filled has one.</summary>
    /// <exception cref="FormatException">No header, or a row that is not a result (its line number is in the message).</exception>
    public static IEnumerable<ReportEntry> ReadEntries(TextReader reader)
    {
        int line = 1;
        var header = ReadRecord(reader, ref line);
        if (header is null) yield break;
        int Column(string name) => header.IndexOf(name) is var i and >= 0 ? i
            : throw new FormatException($"line 1: no '{name}' column (expected the header {Header})");
        int ip = Column("ip"), proto = Column("proto"), port = Column("port"), state = Column("state");
        int ttl = header.IndexOf("ttl"), reason = header.IndexOf("reason");
        int method = header.IndexOf("method");
        string? Cell(List<string> f, string name) => header.IndexOf(name) is var i and >= 0 && f[i].Length > 0 ? f[i] : null;
        while (true)
        {
            int at = line;
            var f = ReadRecord(reader, ref line);
            if (f is null) yield break;
            if (f.Count == 1 && f[0].Length == 0) continue;
            if (f.Count != header.Count)
                throw new FormatException($"line {at}: {f.Count} fields, the header has {header.Count}");
            if (!Ip.TryParse(f[ip], out UInt128 address)
                || f[proto] is not ("tcp" or "udp")
                || !ushort.TryParse(f[port], NumberStyles.None, CultureInfo.InvariantCulture, out ushort p)
                || !PortStateNames.TryParse(f[state], out var s))
                throw new FormatException($"line {at}: not a RawScan result");
            byte t = 0;
            if (ttl >= 0 && f[ttl].Length > 0 && !byte.TryParse(f[ttl], NumberStyles.None, CultureInfo.InvariantCulture, out t))
                throw new FormatException($"line {at}: bad ttl '{f[ttl]}'");
            var why = reason >= 0 && PortReasonNames.TryParse(f[reason], out var pr) ? pr : PortReason.Unknown;
            var result = new PortResult(address, f[proto] == "udp" ? Protocol.Udp : Protocol.Tcp, p, s, t, 0, why);
            ServiceFinding? finding = null;
            if (method >= 0 && f[method] is "probed" or "table")
                finding = new ServiceFinding
                {
                    Service = Cell(f, "detected_service"), Product = Cell(f, "product"), Version = Cell(f, "version"), Info = Cell(f, "info"),
                    Tunnel = Cell(f, "tunnel"), TlsSubject = Cell(f, "tls_subject"), TlsIssuer = Cell(f, "tls_issuer"),
                    Method = f[method] == "probed" ? ServiceMethod.Probed : ServiceMethod.Table,
                    Banner = Cell(f, "banner") is { } b ? BannerText.Decode(b) : [],
                };
            yield return new ReportEntry(result, finding);
        }
    }

    /// <summary>One RFC 4180 record (quoted fields may span lines), or null at the end; CRLF or LF.</summary>
    private static List<string>? ReadRecord(TextReader r, ref int line)
    {
        if (r.Peek() < 0) return null;
        var fields = new List<string>();
        var sb = new StringBuilder();
        int startLine = line;
        while (true)
        {
            int c = r.Read();
            if (c == '"' && sb.Length == 0)
            {
                while (true)
                {
                    c = r.Read();
                    if (c < 0) throw new FormatException($"line {startLine}: unterminated quoted field");
                    if (c == '"')
                    {
                        if (r.Peek() == '"') { r.Read(); sb.Append('"'); continue; }
                        break;
                    }
                    if (c == '\n') line++;
                    sb.Append((char)c);
                }
                c = r.Read();
                if (c is not (',' or '\r' or '\n' or -1))
                    throw new FormatException($"line {line}: text after a quoted field");
            }
            if (c == ',') { fields.Add(sb.ToString()); sb.Clear(); continue; }
            if (c == '\r' && r.Peek() == '\n') c = r.Read();
            if (c is '\n' or -1)
            {
                if (c == '\n') line++;
                fields.Add(sb.ToString());
                return fields;
            }
            sb.Append((char)c);
        }
    }
}
