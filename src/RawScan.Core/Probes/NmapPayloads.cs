using RawScan.Probes.Udp;

namespace RawScan.Probes;

/// <summary>
/// Reads nmap's UDP payloads file (<c>nmap-payloads</c>, from Debian's nmap-common) at run time, as
/// the registry reads nmap-services: it is never copied into the project (its licence is nmap's).
/// <para>
/// The format (described at the top of the file): <c>udp PORTS "string" "string"...</c>, the strings
/// concatenated and free to continue on the following lines; after the strings, keywords such as
/// <c>source 500</c> (ignored, as nmap itself ignores them); <c>#</c> comments. Escapes are C's
/// (<c>\xHH</c>, <c>\0</c>, <c>\r</c>, <c>\n</c>, <c>\t</c>...). A port may have several payloads;
/// RawScan sends one probe per port and takes the first, as masscan does with this file.
/// </para>
/// </summary>
public static class NmapPayloads
{
    /// <summary>Where Debian's nmap-common puts the file.</summary>
    public const string DefaultPath = "/usr/share/nmap/nmap-payloads";

    private const string What = "nmap payloads file";

    /// <summary>Every port's first payload in <paramref name="path"/>.</summary>
    /// <exception cref="BadInputException">The file is missing or unreadable, or an entry is bad (its token and line named).</exception>
    public static List<(ushort Port, IUdpProbe Probe)> Load(string path)
    {
        return Parse(InputFile.ReadLines(path, What), path);
    }

    internal static List<(ushort Port, IUdpProbe Probe)> Parse(IReadOnlyList<string> lines, string path)
    {
        // The file as a stream of words and strings, each with its line: an entry is 'udp', a port
        // list, one or more strings (on any number of lines), then keywords up to the next 'udp'.
        var tokens = new List<(string? Word, byte[]? Bytes, int Line)>();
        for (int n = 0; n < lines.Count; n++)
        {
            var line = new UdpPayloadTable.LineReader(lines[n], Where(path, n));
            while (!line.AtEnd)
            {
                if (!line.AtQuote) { tokens.Add((line.Word(), null, n)); continue; }
                var bytes = new List<byte>();
                line.QuotedString(bytes, cEscapes: true);
                tokens.Add((null, [.. bytes], n));
            }
        }

        var result = new List<(ushort, IUdpProbe)>();
        var taken = new bool[65536];
        for (int i = 0; i < tokens.Count;)
        {
            var (word, _, at) = tokens[i];
            var line = new UdpPayloadTable.LineReader(lines[at], Where(path, at));
            if (word != "udp") throw line.Bad(word ?? lines[at].Trim(), "expected an entry starting 'udp PORTS'");
            if (i + 1 >= tokens.Count || tokens[i + 1].Word is not { } portList)
                throw line.Bad(lines[at].Trim(), "expected a port list after 'udp'");
            var ports = UdpPayloadTable.ParsePorts(portList, line);
            i += 2;
            var payload = new List<byte>();
            int strings = 0;
            for (; i < tokens.Count && tokens[i].Bytes is { } b; i++, strings++) payload.AddRange(b);
            if (strings == 0) throw line.Bad(portList, "no payload: expected one or more quoted strings after the ports");
            while (i < tokens.Count && tokens[i].Word != "udp") i++;        // keywords ("source 500"): ignored, as nmap does
            if (payload.Count > UdpTemplate.MaxPayload) continue;           // not one frame: the port keeps its other probe
            var probe = new UserPayloadProbe(payload.ToArray(), "nmap");
            foreach (var (port, _) in ports)
                if (!taken[port])
                {
                    taken[port] = true;
                    result.Add((port, probe));
                }
        }
        return result;
    }

    private static string Where(string path, int line) => $"{What} ({path} line {line + 1})";
}
