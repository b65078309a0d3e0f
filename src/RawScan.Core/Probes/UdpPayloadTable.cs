using System.Globalization;
using System.Text;
using RawScan.Probes.Udp;

namespace RawScan.Probes;

/// <summary>
/// Which probe each UDP port gets: a 65536-entry array, so the send loop's lookup is one load, with
/// no hashing and no allocation. Ports without a protocol probe get <see cref="EmptyUdpProbe"/>.
/// Tables are immutable once built.
/// <para>
/// <see cref="Load"/> reads a <c>--udp-payloads</c> file of fixed payloads, one line per payload:
/// </para>
/// <code>
/// # '#' starts a comment (outside a string); blank lines are skipped
/// udp 53,5353,7000-7010 "\x00\x01" "more"   # ports: a list of ports and ranges, no spaces
/// udp 9999 "hello\r\n"
/// </code>
/// <para>
/// A line is the word <c>udp</c>, a port list (0-65535; <c>a-b</c> is a range), then one or more
/// double-quoted strings, concatenated. In a string, <c>\xHH</c> is one byte (two hex digits),
/// <c>\r</c>, <c>\n</c>, <c>\t</c>, <c>\\</c> and <c>\"</c> what they are in C; any other character
/// is its UTF-8 bytes. A payload may be empty (<c>""</c>: an empty datagram) and at most
/// <see cref="UdpTemplate.MaxPayload"/> bytes. A port may appear on one line only. User payloads
/// carry no cookie (their replies are Unverifiable) and replace the table's probe for their ports.
/// </para>
/// </summary>
public sealed class UdpPayloadTable : IUdpPayloads
{
    private const string What = "udp payloads file";

    private readonly IUdpProbe[] _probes;

    private UdpPayloadTable(IUdpProbe[] probes) => _probes = probes;

    /// <summary>The built-in probes and their well-known ports.</summary>
    public static IReadOnlyList<(ushort Port, IUdpProbe Probe)> BuiltIn { get; } =
    [
        (53, DnsProbe.Instance),
        (111, PortmapProbe.Instance),
        (123, NtpProbe.Instance),
        (137, NetBiosProbe.Instance),
        (161, SnmpProbe.Instance),
        (1900, SsdpProbe.Instance),
        (5060, SipProbe.Instance),
        (5353, MdnsProbe.Instance),
        (11211, MemcachedProbe.Instance),
    ];

    /// <summary>
    /// Protocol-neutral probes for the simple services, where an empty datagram may draw nothing: echo
    /// (7, carrying the cookie), discard, daytime, qotd, chargen, time.
    /// </summary>
    public static IReadOnlyList<(ushort Port, IUdpProbe Probe)> Simple { get; } =
    [
        (7, EchoProbe.Instance),
        (9, LineProbe.Instance),
        (13, LineProbe.Instance),
        (17, LineProbe.Instance),
        (19, LineProbe.Instance),
        (37, LineProbe.Instance),
    ];

    /// <summary>Every port sends an empty datagram.</summary>
    public static UdpPayloadTable Empty { get; } = new(Filled());

    /// <summary>The built-in probes on their ports; an empty datagram elsewhere.</summary>
    public static UdpPayloadTable Default { get; } = Empty.With(Simple).With(BuiltIn);

    /// <summary>
    /// The table a scan uses: nmap's payloads (<paramref name="nmapPayloads"/>, when given) under the
    /// project's own probes, which carry the cookie and so take precedence where both have a port;
    /// the simple services' probes where neither has one; an empty datagram elsewhere (as nmap sends).
    /// </summary>
    public static UdpPayloadTable Standard(IEnumerable<(ushort Port, IUdpProbe Probe)>? nmapPayloads) =>
        nmapPayloads is null ? Default : Empty.With(Simple).With(nmapPayloads).With(Simple.Where(s => s.Probe is EchoProbe)).With(BuiltIn);

    public IUdpProbe For(ushort port) => _probes[port];

    /// <summary>The ports whose probe is not the empty one, in order.</summary>
    public IEnumerable<ushort> Ports
    {
        get
        {
            for (int p = 0; p < _probes.Length; p++)
                if (_probes[p] is not EmptyUdpProbe) yield return (ushort)p;
        }
    }

    /// <summary>A copy of this table with <paramref name="probes"/> on their ports.</summary>
    public UdpPayloadTable With(IEnumerable<(ushort Port, IUdpProbe Probe)> probes)
    {
        var copy = (IUdpProbe[])_probes.Clone();
        foreach (var (port, probe) in probes) copy[port] = probe;
        return new UdpPayloadTable(copy);
    }

    private static IUdpProbe[] Filled()
    {
        var probes = new IUdpProbe[65536];
        Array.Fill(probes, EmptyUdpProbe.Instance);
        return probes;
    }

    /// <summary>
    /// Reads a payloads file (format in the class comment) over <paramref name="over"/>
    /// (<see cref="Default"/> when null; <see cref="Empty"/> for the file's payloads alone).
    /// </summary>
    /// <exception cref="BadInputException">The file is missing or unreadable, or a line is bad: the exception names its token and line.</exception>
    public static UdpPayloadTable Load(string path, UdpPayloadTable? over = null)
    {
        return Parse(InputFile.ReadLines(path, What), path, over ?? Default);
    }

    internal static UdpPayloadTable Parse(IReadOnlyList<string> lines, string path, UdpPayloadTable over)
    {
        var probes = new List<(ushort, IUdpProbe)>();
        var lineOf = new int[65536];                        // the line that gave each port its payload, 0: none
        for (int n = 0; n < lines.Count; n++)
        {
            var line = new LineReader(lines[n], $"{What} ({path} line {n + 1})");
            if (line.AtEnd) continue;

            string protocol = line.Word();
            if (protocol != "udp") throw line.Bad(protocol, "unknown protocol: each line starts with 'udp'");

            string portList = line.Word();
            if (portList.Length == 0) throw line.Bad(lines[n].Trim(), "expected a port list after 'udp'");
            var ports = ParsePorts(portList, line);

            var payload = new List<byte>();
            int strings = 0;
            while (!line.AtEnd)
            {
                line.QuotedString(payload);
                strings++;
            }
            if (strings == 0) throw line.Bad(lines[n].Trim(), "no payload: expected one or more quoted strings after the ports");
            if (payload.Count > UdpTemplate.MaxPayload)
                throw line.Bad(portList, $"the payload is {payload.Count} bytes; at most {UdpTemplate.MaxPayload} fit one frame");

            var probe = new UserPayloadProbe(payload.ToArray());
            foreach (var (port, token) in ports)
            {
                if (lineOf[port] != 0) throw line.Bad(token, $"port {port} already has a payload (line {lineOf[port]})");
                lineOf[port] = n + 1;
                probes.Add((port, probe));
            }
        }
        return over.With(probes);
    }

    /// <summary>"53,5353,7000-7010": each port with the list item it came from, for errors.</summary>
    internal static List<(ushort Port, string Token)> ParsePorts(string list, LineReader line)
    {
        var ports = new List<(ushort, string)>();
        foreach (var item in list.Split(','))
        {
            if (item.Length == 0) throw line.Bad(list, "empty item in the port list");
            int dash = item.IndexOf('-', 1);
            int first = Port(dash < 0 ? item : item[..dash], item, line), last = dash < 0 ? first : Port(item[(dash + 1)..], item, line);
            if (last < first) throw line.Bad(item, "the range runs backwards");
            for (int p = first; p <= last; p++) ports.Add(((ushort)p, item));
        }
        return ports;
    }

    private static int Port(string s, string item, LineReader line)
    {
        if (s.Length == 0 || !s.All(char.IsAsciiDigit)) throw line.Bad(item, "not a port number or range");
        if (s.Length > 5 || int.Parse(s, CultureInfo.InvariantCulture) > 65535) throw line.Bad(item, "port numbers go from 0 to 65535");
        return int.Parse(s, CultureInfo.InvariantCulture);
    }

    /// <summary>Walks one line: words, quoted strings, and the '#' that ends it outside a string.</summary>
    internal struct LineReader(string text, string what)
    {
        private int _at;

        public bool AtEnd
        {
            get
            {
                while (_at < text.Length && char.IsWhiteSpace(text[_at])) _at++;
                return _at == text.Length || text[_at] == '#';
            }
        }

        /// <summary>The next thing on the line is a quoted string (call after <see cref="AtEnd"/>).</summary>
        public readonly bool AtQuote => _at < text.Length && text[_at] == '"';

        public readonly BadInputException Bad(string token, string reason) => new(what, token, reason);

        /// <summary>The next run of characters up to white space, a quote or a comment.</summary>
        public string Word()
        {
            if (AtEnd) return "";
            int start = _at;
            while (_at < text.Length && !char.IsWhiteSpace(text[_at]) && text[_at] is not ('"' or '#')) _at++;
            return text[start.._at];
        }

        /// <summary>
        /// Appends the bytes of the quoted string that must come next. <paramref name="cEscapes"/> also
        /// takes C's <c>\0</c>, <c>\a</c>, <c>\b</c>, <c>\f</c>, <c>\v</c> (nmap-payloads uses <c>\0</c>).
        /// </summary>
        public void QuotedString(List<byte> to, bool cEscapes = false)
        {
            if (text[_at] != '"')
            {
                int start = _at;
                string word = Word();
                throw Bad(word.Length > 0 ? word : text[start..].Trim(), "expected a quoted string");
            }
            int open = _at++;
            Span<byte> utf8 = stackalloc byte[4];
            while (true)
            {
                if (_at >= text.Length) throw Bad(text[open..], "unterminated string: no closing quote");
                char c = text[_at];
                if (c == '"') { _at++; return; }
                if (c != '\\')
                {
                    if (Rune.DecodeFromUtf16(text.AsSpan(_at), out var rune, out int used) != System.Buffers.OperationStatus.Done)
                        throw Bad(text[open..], "not valid text");
                    int bytes = rune.EncodeToUtf8(utf8);
                    for (int i = 0; i < bytes; i++) to.Add(utf8[i]);
                    _at += used;
                    continue;
                }
                if (_at + 1 >= text.Length) throw Bad(text[open..], "unterminated string: no closing quote");
                char e = text[_at + 1];
                switch (e)
                {
                    case 'r': to.Add((byte)'\r'); _at += 2; break;
                    case 'n': to.Add((byte)'\n'); _at += 2; break;
                    case 't': to.Add((byte)'\t'); _at += 2; break;
                    case '\\': to.Add((byte)'\\'); _at += 2; break;
                    case '"': to.Add((byte)'"'); _at += 2; break;
                    case '0' or 'a' or 'b' or 'f' or 'v' when cEscapes:
                        to.Add(e switch { '0' => 0, 'a' => 7, 'b' => 8, 'f' => 12, _ => 11 });
                        _at += 2;
                        break;
                    case 'x':
                        if (_at + 4 > text.Length || !char.IsAsciiHexDigit(text[_at + 2]) || !char.IsAsciiHexDigit(text[_at + 3]))
                            throw Bad(text.Substring(_at, Math.Min(4, text.Length - _at)), "\\x takes two hex digits");
                        to.Add(byte.Parse(text.AsSpan(_at + 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        _at += 4;
                        break;
                    default:
                        throw Bad(text.Substring(_at, 2), "unknown escape: use \\xHH, \\r, \\n, \\t, \\\\ or \\\"");
                }
            }
        }
    }
}
