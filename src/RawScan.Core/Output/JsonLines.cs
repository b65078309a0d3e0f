using System.Globalization;
using System.Text.Json;
using RawScan.Registry;
using RawScan.Results;
using RawScan.Targets;

namespace RawScan.Output;

/// <summary>
/// One JSON object per result and line (-oJ), written as results arrive, so a consumer can stream
/// them and a scan cut short keeps everything it had found. With a registry each line carries what it
/// knows of the port:
/// {"ip":"198.18.0.1","proto":"tcp","port":80,"state":"open","ttl":64,"service":"http","class":"well-known","flags":[]}.
/// Without one (the <see cref="JsonLinesWriter(TextWriter)"/> form) lines stop at "ttl", as before.
/// </summary>
public sealed class JsonLinesWriter : IReportWriter
{
    private readonly TextWriter _writer;
    private readonly IServiceRegistry? _registry;
    private readonly bool _ownsWriter;

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

    public void Begin(ScanHeader header) { }

    public void OnResult(in PortResult r)
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
        w.Write("\",\"ttl\":");
        ReportText.WriteNumber(w, r.Ttl);
        w.Write(_registry is null ? "}\n" : Tail(r.Protocol, r.Port));
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

    public void End(ScanSummary summary) => _writer.Flush();

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
    public static IEnumerable<PortResult> Read(TextReader reader)
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

    private static PortResult Parse(string line, int n)
    {
        string? why;
        try
        {
            using var doc = JsonDocument.Parse(line);
            var e = doc.RootElement;
            string? proto = e.GetProperty("proto").GetString();
            if (!Ipv4.TryParse(e.GetProperty("ip").GetString(), out uint ip)) why = "bad ip";
            else if (!PortStateNames.TryParse(e.GetProperty("state").GetString() ?? "", out var state)) why = "bad state";
            else if (proto is not ("tcp" or "udp")) why = "bad proto";
            else
            {
                byte ttl = e.TryGetProperty("ttl", out var t) ? t.GetByte() : (byte)0;
                return new PortResult(ip, proto == "udp" ? Protocol.Udp : Protocol.Tcp, e.GetProperty("port").GetUInt16(), state, ttl, 0);
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            why = ex.Message;
        }
        throw new FormatException($"line {n}: not a RawScan result ({why})");
    }
}
