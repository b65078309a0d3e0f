using System.Globalization;
using System.Text.Json;
using RawScan.Registry;
using RawScan.Results;
using RawScan.Targets;

namespace RawScan.Output;

/// <summary>
/// One JSON object per result and line (-oJ), written as results arrive, so a consumer can stream
/// them and a scan cut short keeps everything it had found. Only the states --show lists (the
/// header's <see cref="ScanHeader.Shown"/>; every state until <see cref="Begin"/> says otherwise).
/// With a registry each line carries what it knows of the port:
/// {"ip":"198.18.0.1","proto":"tcp","port":80,"state":"open","reason":"syn-ack","ttl":64,"rtt_us":52,
/// "timestamp":"2025-01-06T12:00:00.123456Z","service":"http","class":"well-known","flags":[]}.
/// ttl, rtt_us and timestamp are null when nothing answered (the verdict is silence: there is no
/// reply to take a TTL or a time from); rtt_us is also null when the RTT is not known (a resent
/// probe's reply cannot be paired with one send). Without a registry (the
/// <see cref="JsonLinesWriter(TextWriter)"/> form) lines stop after "timestamp".
/// The file is flushed at least twice a second while results trickle (<see cref="FlushPacer"/>).
/// </summary>
public sealed class JsonLinesWriter : IReportWriter
{
    private readonly TextWriter _writer;
    private readonly IServiceRegistry? _registry;
    private readonly bool _ownsWriter;
    private FlushPacer _flush = new(FlushPeriod);
    private ShownStates _shown = new(true, true);

    /// <summary>How often a trickle of results reaches the file at the latest.</summary>
    public static readonly TimeSpan FlushPeriod = TimeSpan.FromMilliseconds(500);

    /// <summary>Lines without service fields, on a writer the caller owns (flushes and closes).</summary>
    public JsonLinesWriter(TextWriter writer) : this(writer, null, ownsWriter: false) { }

    /// <summary>Lines with the registry's fields on a writer the caller owns.</summary>
    public JsonLinesWriter(TextWriter writer, IServiceRegistry? registry) : this(writer, registry, ownsWriter: false) { }

    /// <summary>Lines with the registry's fields through a bounded buffer over <paramref name="stream"/>, which this writer closes.</summary>
    public JsonLinesWriter(Stream stream, IServiceRegistry registry) : this(ReportText.Open(stream), registry, ownsWriter: true) { }

    private JsonLinesWriter(TextWriter writer, IServiceRegistry? registry, bool ownsWriter)
    {
        _writer = writer;
        _registry = registry;
        _ownsWriter = ownsWriter;
    }

    public void Begin(ScanHeader header)
    {
        if (header is not null) _shown = header.Shown;
    }

    public void OnResult(in PortResult r)
    {
        if (!_shown.Includes(r.State)) return;
        Write(r);
        _flush.Dirty = true;
    }

    /// <summary>
    /// An open port with what its banner grab found (--banners): the line gains, after its other
    /// fields, "detected_service", "product", "version" (each null when not known), "method"
    /// ("probed" or "table") and "banner" (<see cref="BannerText"/>'s form, cut to --banner-bytes),
    /// and "info", "tunnel", "tls_subject", "tls_issuer" where the finding has them. Lines
    /// without a finding are as they always were: a consumer that does not know these fields reads on.
    /// </summary>
    public void OnService(in PortResult r, ServiceFinding service)
    {
        if (service is null) { OnResult(r); return; }
        if (!_shown.Includes(r.State)) return;
        Write(r, service);
        _flush.Dirty = true;
    }

    public void Tick(long wallMicros) => _flush.Tick(_writer, wallMicros);

    private void Write(in PortResult r, ServiceFinding? f = null)
    {
        var w = _writer;
        w.Write("{\"ip\":\"");
        ReportText.WriteAddress(w, r.Address);
        w.Write("\",\"proto\":\"");
        w.Write(r.Protocol.Name());
        w.Write("\",\"port\":");
        ReportText.WriteNumber(w, r.Port);
        w.Write(",\"state\":\"");
        w.Write(r.State.Name());
        w.Write("\",\"reason\":\"");
        w.Write(r.ReasonOrDefault.Name());
        w.Write("\",\"ttl\":");
        if (r.Answered) ReportText.WriteNumber(w, r.Ttl); else w.Write("null");
        w.Write(",\"rtt_us\":");
        if (r.RttMicros != 0) ReportText.WriteNumber(w, (int)Math.Min(r.RttMicros, int.MaxValue)); else w.Write("null");
        w.Write(",\"timestamp\":");
        if (r.TimestampMicros != 0)
        {
            w.Write('"');
            ReportText.WriteTimestamp(w, r.TimestampMicros);
            w.Write('"');
        }
        else w.Write("null");
        if (f is null)
        {
            w.Write(_registry is null ? "}\n" : Tail(r.Protocol, r.Port));
            return;
        }
        if (_registry is not null)
        {
            var tail = Tail(r.Protocol, r.Port);
            w.Write(tail.AsSpan(0, tail.Length - 2));                   // the cached tail without its "}\n"
        }
        WriteFinding(w, f);
        w.Write("}\n");
    }

    /// <summary>The finding's fields, each starting with its comma; <see cref="Parse"/> reads them back.</summary>
    private static void WriteFinding(TextWriter w, ServiceFinding f)
    {
        w.Write(",\"detected_service\":");
        WriteString(w, f.Service);
        w.Write(",\"product\":");
        WriteString(w, f.Product);
        w.Write(",\"version\":");
        WriteString(w, f.Version);
        if (f.Info is not null) { w.Write(",\"info\":"); WriteString(w, f.Info); }
        if (f.Tunnel is not null) { w.Write(",\"tunnel\":"); WriteString(w, f.Tunnel); }
        if (f.TlsSubject is not null) { w.Write(",\"tls_subject\":"); WriteString(w, f.TlsSubject); }
        if (f.TlsIssuer is not null) { w.Write(",\"tls_issuer\":"); WriteString(w, f.TlsIssuer); }
        w.Write(",\"method\":\"");
        w.Write(ServiceFinding.MethodName(f.Method));
        w.Write("\",\"banner\":\"");
        Span<char> s = stackalloc char[BannerText.MaxCharsPerByte];
        foreach (byte b in f.Banner)
        {
            int n = BannerText.Format(b, s);
            for (int i = 0; i < n; i++)
            {
                char c = s[i];
                if (c is '\\' or '"') w.Write('\\');                   // JSON's escapes over the banner's
                w.Write(c);
            }
        }
        w.Write('"');
    }

    /// <summary>
    /// What the registry says of a port, from ",\"service\"" to the line's end: the same for every
    /// result on that port, so written once per port seen and then reused (a /16 sweep of one port
    /// looks it up once, not 65,536 times).
    /// </summary>
    private string Tail(Protocol protocol, ushort port)
    {
        int i = (protocol == Protocol.Tcp ? 0 : 1 << 16) + port;
        return (_tails ??= new string?[2 << 16])[i] ??= MakeTail(_registry!.Lookup(protocol, port));
    }

    private string?[]? _tails;

    private static string MakeTail(ServiceInfo info)
    {
        var w = new StringWriter();
        w.Write(",\"service\":");
        WriteString(w, info.Name);
        w.Write(",\"class\":\"");
        w.Write(ServiceInfo.ClassName(info.Class));
        w.Write("\",\"flags\":[");
        bool first = true;
        foreach (var f in ReportText.FlagNames(info.Flags))              // once per port: the enumerator is fine
        {
            if (!first) w.Write(',');
            first = false;
            WriteString(w, f);
        }
        w.Write("]}\n");
        return w.ToString();
    }

    public void End(ScanSummary summary)
    {
        _writer.Flush();
        _flush.Dirty = false;
    }

    public void Dispose()
    {
        if (_ownsWriter) _writer.Dispose();
    }

    /// <summary>A JSON string (RFC 8259: quote, backslash and controls escaped), or null.</summary>
    private static void WriteString(TextWriter w, string? s)
    {
        if (s is null) { w.Write("null"); return; }
        w.Write('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': w.Write("\\\""); break;
                case '\\': w.Write("\\\\"); break;
                case < ' ': w.Write("\\u"); w.Write(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: w.Write(c); break;
            }
        }
        w.Write('"');
    }

    /// <summary>
    /// Reads results back (tests, diff): one object per non-empty line, with or without the service
    /// fields (lines written before they existed read the same).
    /// </summary>
    /// <exception cref="FormatException">A line is not a RawScan result (its number is in the message).</exception>
    public static IEnumerable<PortResult> Read(TextReader reader) => ReadEntries(reader).Select(e => e.Result);

    /// <summary>The results with their findings (a line with "method" has one; lines before --banners existed have none).</summary>
    /// <exception cref="FormatException">A line is not a RawScan result (its number is in the message).</exception>
    public static IEnumerable<ReportEntry> ReadEntries(TextReader reader)
    {
        string? line;
        int n = 0;
        while ((line = reader.ReadLine()) is not null)
        {
            n++;
            if (line.Length == 0) continue;
            yield return Parse(line, n);
        }
    }

    /// <summary>One line as a result; every failure is one sentence of ours naming the field (no parser's text).</summary>
    private static ReportEntry Parse(string line, int n)
    {
        string why;
        try
        {
            using var doc = JsonDocument.Parse(line);
            var e = doc.RootElement;
            if (e.ValueKind != JsonValueKind.Object) why = "not a JSON object";
            else if (!Text(e, "ip", out var ipText) || !Ip.TryParse(ipText, out UInt128 ip)) why = "no IPv4 or IPv6 \"ip\"";
            else if (!Text(e, "proto", out var proto) || proto is not ("tcp" or "udp")) why = "no \"proto\" tcp or udp";
            else if (!e.TryGetProperty("port", out var portEl) || !portEl.TryGetUInt16(out ushort port)) why = "no \"port\" 0-65535";
            else if (!Text(e, "state", out var stateText) || !PortStateNames.TryParse(stateText, out var state)) why = "no \"state\" of open, closed, filtered or open|filtered";
            else
            {
                byte ttl = e.TryGetProperty("ttl", out var t) && t.ValueKind == JsonValueKind.Number && t.TryGetByte(out byte b) ? b : (byte)0;
                var reason = Text(e, "reason", out var rs) && PortReasonNames.TryParse(rs, out var pr) ? pr : PortReason.Unknown;
                uint rtt = e.TryGetProperty("rtt_us", out var rt) && rt.ValueKind == JsonValueKind.Number && rt.TryGetUInt32(out uint u) ? u : 0;
                long micros = Text(e, "timestamp", out var ts) && DateTimeOffset.TryParse(ts, CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal, out var when) ? (when.UtcTicks - DateTime.UnixEpoch.Ticks) / 10 : 0;
                var result = new PortResult(ip, proto == "udp" ? Protocol.Udp : Protocol.Tcp, port, state, ttl, micros, reason, rtt);
                return new ReportEntry(result, Finding(e));
            }
        }
        catch (JsonException)
        {
            why = "not JSON";
        }
        throw new FormatException($"line {n}: not a RawScan result ({why})");
    }

    /// <summary>The finding of a line that has a "method" ("probed" or "table"); null for any other line.</summary>
    private static ServiceFinding? Finding(JsonElement e)
    {
        if (!Text(e, "method", out var method) || method is not ("probed" or "table")) return null;
        return new ServiceFinding
        {
            Service = Field(e, "detected_service"), Product = Field(e, "product"), Version = Field(e, "version"), Info = Field(e, "info"),
            Tunnel = Field(e, "tunnel"), TlsSubject = Field(e, "tls_subject"), TlsIssuer = Field(e, "tls_issuer"),
            Method = method == "probed" ? ServiceMethod.Probed : ServiceMethod.Table,
            Banner = Field(e, "banner") is { } b ? BannerText.Decode(b) : [],
        };
    }

    private static string? Field(JsonElement e, string name) => Text(e, name, out var v) ? v : null;

    private static bool Text(JsonElement e, string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        value = e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return value is not null;
    }
}
