using RawScan.Results;

namespace RawScan.Output;

/// <summary>Reads back any format of <see cref="ReportFormats.All"/> that has a reader, telling them apart by content.</summary>
public static class ReportReader
{
    private static IEnumerable<ReportFormat> Readable => ReportFormats.All.Where(f => f.Read is not null);

    /// <summary>
    /// The format of <paramref name="path"/> by its first non-blank line ("{" JSON lines, "&lt;" nmap
    /// XML, "#" or "Host: " grepable, a header starting "ip," CSV); JSON lines for an empty file (the
    /// JSON lines of a scan that found nothing).
    /// </summary>
    /// <exception cref="FormatException">None of them.</exception>
    public static ReportFormat Detect(string path)
    {
        using var r = new StreamReader(path, ReportText.Utf8, detectEncodingFromByteOrderMarks: true);
        return Detect(r);
    }

    /// <summary>Enough of the first line for every format's test and for the message that quotes it.</summary>
    private const int StartChars = 64;

    /// <remarks>
    /// Only the start of the first non-blank line is read, not the line: `rawscan diff /dev/zero x`
    /// read one endless line to 8 GB of memory before it failed.
    /// </remarks>
    private static ReportFormat Detect(TextReader r)
    {
        int c;
        while ((c = r.Read()) >= 0 && char.IsWhiteSpace((char)c)) { }
        if (c < 0) return ReportFormats.JsonLines;
        var t = new System.Text.StringBuilder(StartChars);
        for (; c >= 0 && c is not ('\n' or '\r') && t.Length < StartChars; c = r.Read()) t.Append((char)c);
        string start = t.ToString();
        return Readable.FirstOrDefault(f => f.Starts!(start))
            ?? throw new FormatException($"not a RawScan report ({string.Join(", ", Readable.Select(f => f.Name))}): it starts '{Shorten(start)}'");
    }

    /// <summary>Every result in the report at <paramref name="path"/>, whichever readable format it is.</summary>
    /// <exception cref="FormatException">Not one of the formats, or a bad line (the message says where, not which file).</exception>
    /// <exception cref="IOException">It could not be read.</exception>
    public static List<PortResult> Read(string path) => Read(path, out _);

    /// <param name="format">The name of the format detected (json, csv, xml, grep).</param>
    public static List<PortResult> Read(string path, out string format) => Read(path, out format, out _);

    /// <param name="cutShort">
    /// The report's last line was cut short and is left out: a stream of results (JSON lines, CSV) whose
    /// scan was killed while writing it. Only a last line with no line break after it counts; a bad
    /// line anywhere else is a <see cref="FormatException"/>, as is a cut document (XML, grepable).
    /// </param>
    public static List<PortResult> Read(string path, out string format, out bool cutShort) =>
        [.. ReadEntries(path, out format, out cutShort).Select(e => e.Result)];

    /// <summary>
    /// As <see cref="Read(string, out string, out bool)"/>, each result with what its banner grab found
    /// (<see cref="ReportEntry.Service"/>: null where the report has none, or the format keeps none).
    /// </summary>
    public static List<ReportEntry> ReadEntries(string path, out string format, out bool cutShort)
    {
        var f = Detect(path);
        format = f.Name;
        cutShort = false;
        using var r = new StreamReader(path, ReportText.Utf8, detectEncodingFromByteOrderMarks: true);
        if (f.Read is null) throw new ArgumentOutOfRangeException(nameof(path), f.Name, "this format cannot be read back");
        var results = new List<ReportEntry>();
        using var e = f.Read(r).GetEnumerator();
        while (true)
        {
            try
            {
                if (!e.MoveNext()) break;
            }
            catch (FormatException) when (f.Streamed && r.Peek() < 0 && !EndsWithLineBreak(path))
            {
                cutShort = true;
                break;
            }
            results.Add(e.Current);
        }
        return results;
    }

    private static bool EndsWithLineBreak(string path)
    {
        using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
        if (s.Length == 0) return true;
        s.Seek(-1, SeekOrigin.End);
        return s.ReadByte() == '\n';
    }

    public static List<PortResult> Read(TextReader reader, string format) => [.. ReadEntries(reader, format).Select(e => e.Result)];

    public static List<ReportEntry> ReadEntries(TextReader reader, string format)
    {
        var f = ReportFormats.ByName(format);
        if (f.Read is null) throw new ArgumentOutOfRangeException(nameof(format), format, "this format cannot be read back");
        return [.. f.Read(reader)];
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
