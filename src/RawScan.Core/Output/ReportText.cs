using System.Globalization;
using System.Text;
using RawScan.Registry;
using RawScan.Results;

namespace RawScan.Output;

/// <summary>What the report writers share: the bounded writer, host grouping, names of flags, times.</summary>
internal static class ReportText
{
    /// <summary>
    /// Chars buffered before a write reaches the stream (at most 3 bytes each in UTF-8: under 100 KiB).
    /// A <see cref="StreamWriter"/> with a fixed buffer, not System.IO.Pipelines: results arrive on
    /// one thread (the receive loop) and the writer is synchronous, so a pipe would only add a reader
    /// thread and, at its pause threshold, block the receive thread exactly as a full buffer does
    /// here. What matters is the same in both: memory is bounded, the stream is written in large
    /// chunks (one write per ~32 K chars, not per result), and everything is flushed at End.
    /// </summary>
    public const int BufferChars = 1 << 15;

    public static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>The writer owns the stream: disposing it closes the stream.</summary>
    public static StreamWriter Open(Stream stream) => new(stream, Utf8, BufferChars, leaveOpen: false);

    public static string FlagName(PortFlags f) => f switch
    {
        PortFlags.Backdoor => "backdoor",
        PortFlags.AlternateService => "alternate-service",
        _ => f.ToString().ToLowerInvariant(),
    };

    /// <summary>An address as a dotted quad, formatted on the stack: the streaming writers allocate nothing per result.</summary>
    public static void WriteAddress(TextWriter w, UInt128 address)
    {
        Span<char> s = stackalloc char[Targets.Ip.MaxLength];
        w.Write(s[..Targets.Ip.Format(address, s)]);
    }

    /// <summary>
    /// A reply time (Unix microseconds) as ISO 8601 UTC with microseconds, "2025-01-06T12:00:00.123456Z",
    /// on the stack. The round-trip format "O" has a fast path in the runtime; its seventh fractional
    /// digit is always 0 here (microseconds), so it is cut.
    /// </summary>
    public static void WriteTimestamp(TextWriter w, long unixMicros)
    {
        Span<char> s = stackalloc char[40];
        var t = new DateTime(DateTime.UnixEpoch.Ticks + unixMicros * 10, DateTimeKind.Utc);
        t.TryFormat(s, out int n, "O", CultureInfo.InvariantCulture);  // yyyy-MM-ddTHH:mm:ss.fffffffZ
        s[n - 2] = 'Z';
        w.Write(s[..(n - 1)]);
    }

    /// <summary>A number in invariant decimal, formatted on the stack.</summary>
    public static void WriteNumber(TextWriter w, int value)
    {
        Span<char> s = stackalloc char[11];
        value.TryFormat(s, out int n, default, CultureInfo.InvariantCulture);
        w.Write(s[..n]);
    }

    /// <summary>The first flag of <paramref name="flags"/> (lowest bit), and the rest: walk them without an enumerator.</summary>
    public static PortFlags LowestFlag(PortFlags flags) => (PortFlags)((int)flags & -(int)flags);

    /// <summary>Each set flag's name, lowest bit first.</summary>
    public static IEnumerable<string> FlagNames(PortFlags flags)
    {
        for (int bit = 1; bit <= 0x80; bit <<= 1)
            if (((int)flags & bit) != 0) yield return FlagName((PortFlags)bit);
    }

    /// <summary>Address, then TCP before UDP, then port: the order nmap lists hosts and ports in.</summary>
    public static int Compare(PortResult a, PortResult b) =>
        a.Address != b.Address ? a.Address.CompareTo(b.Address)
        : a.Protocol != b.Protocol ? a.Protocol.CompareTo(b.Protocol)
        : a.Port.CompareTo(b.Port);

    /// <summary>
    /// Sorts <paramref name="results"/> in place and yields each host's slice, the first result of a
    /// repeated (address, protocol, port) kept: a resumed scan or a late duplicate must not write
    /// one port twice (ndiff keeps one port per spec and would report the other as a change).
    /// </summary>
    public static IEnumerable<ArraySegment<PortResult>> ByHost(List<PortResult> results)
    {
        // A stable sort, so "first" means first to arrive; List.Sort is not stable.
        var sorted = results.Select((r, i) => (r, i)).ToArray();
        Array.Sort(sorted, (x, y) => Compare(x.r, y.r) is var c && c != 0 ? c : x.i.CompareTo(y.i));
        var unique = new PortResult[sorted.Length];
        int n = 0;
        foreach (var (r, _) in sorted)
            if (n == 0 || Compare(unique[n - 1], r) != 0) unique[n++] = r;
        for (int start = 0; start < n;)
        {
            int end = start + 1;
            while (end < n && unique[end].Address == unique[start].Address) end++;
            yield return new ArraySegment<PortResult>(unique, start, end - start);
            start = end;
        }
    }

    /// <summary>ctime's layout, as nmap writes startstr and timestr: "Mon Jan  6 12:00:00 2025".</summary>
    public static string CTime(DateTimeOffset t) =>
        string.Create(CultureInfo.InvariantCulture, $"{t:ddd MMM} {t.Day,2} {t:HH:mm:ss yyyy}");

    public static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture);

    public static string Plural(long n, string one, string many) => n == 1 ? $"1 {one}" : $"{n} {many}";

    public static string Invariant(long n) => n.ToString(CultureInfo.InvariantCulture);
}
