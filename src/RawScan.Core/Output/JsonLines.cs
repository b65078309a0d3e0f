using System.Globalization;
using System.Text.Json;
using RawScan.Results;
using RawScan.Targets;

namespace RawScan.Output;

/// <summary>
/// One JSON object per result and line, written as results arrive, so a consumer can stream them
/// and a scan cut short keeps everything it had found: {"ip":"198.18.0.1","proto":"tcp","port":80,"state":"open","ttl":64}.
/// </summary>
public sealed class JsonLinesWriter(TextWriter writer) : IResultSink
{
    public void OnResult(in PortResult r)
    {
        writer.Write("{\"ip\":\"");
        writer.Write(Ipv4.Format(r.Address));
        writer.Write("\",\"proto\":\"");
        writer.Write(r.Protocol.Name());
        writer.Write("\",\"port\":");
        writer.Write(r.Port.ToString(CultureInfo.InvariantCulture));
        writer.Write(",\"state\":\"");
        writer.Write(r.State.Name());
        writer.Write("\",\"ttl\":");
        writer.Write(r.Ttl.ToString(CultureInfo.InvariantCulture));
        writer.Write("}\n");
    }

    /// <summary>Reads results back (tests, diff): one object per non-empty line.</summary>
    public static IEnumerable<PortResult> Read(TextReader reader)
    {
        string? line;
        int n = 0;
        while ((line = reader.ReadLine()) is not null)
        {
            n++;
            if (line.Length == 0) continue;
            using var doc = JsonDocument.Parse(line);
            var e = doc.RootElement;
            if (!Ipv4.TryParse(e.GetProperty("ip").GetString(), out uint ip)
                || !PortStateNames.TryParse(e.GetProperty("state").GetString() ?? "", out var state))
                throw new FormatException($"line {n}: not a RawScan result");
            var proto = e.GetProperty("proto").GetString() == "udp" ? Protocol.Udp : Protocol.Tcp;
            byte ttl = e.TryGetProperty("ttl", out var t) ? t.GetByte() : (byte)0;
            yield return new PortResult(ip, proto, e.GetProperty("port").GetUInt16(), state, ttl, 0);
        }
    }
}
