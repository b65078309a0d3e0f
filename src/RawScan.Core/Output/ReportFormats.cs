using RawScan.Output.Html;
using RawScan.Registry;
using RawScan.Results;

namespace RawScan.Output;

/// <summary>
/// One report format: its command-line flag, its name (what <see cref="ReportReader"/> detects), the
/// extension -oA gives its file, whether -oA writes it, how to make its writer and how to read it back.
/// A writer takes ownership of its stream (disposing the writer closes it).
/// </summary>
/// <param name="Flag">The command-line flag that names its file: -oJ FILE.</param>
/// <param name="Streamed">A stream of results, written as they arrive. The others are documents written at the
/// end (beside their place, then renamed into it). A resumed scan writes both kinds whole, from its journal first.</param>
/// <param name="Read">Every result of a report in this format, with its banner finding where the format keeps one; null when it cannot be read back (HTML).</param>
/// <param name="Starts">Whether a report's first non-blank line (trimmed) is this format's; null with <paramref name="Read"/>.</param>
/// <param name="Help">One line for the usage text.</param>
public sealed record ReportFormat(
    string Flag, string Name, string Extension, bool InAll, bool Streamed,
    Func<Stream, IServiceRegistry, IReportWriter> Create,
    Func<TextReader, IEnumerable<ReportEntry>>? Read,
    Func<string, bool>? Starts,
    string Help);

/// <summary>
/// The report formats, each declared once: the CLI's -oJ/-oC/-oX/-oG/-oH options, -oA's files, the
/// writers and <see cref="ReportReader"/> all come from <see cref="All"/>. A new format is one more entry.
/// </summary>
public static class ReportFormats
{
    public static readonly ReportFormat JsonLines = new("-oJ", "json", "json", InAll: true, Streamed: true,
        (s, r) => new JsonLinesWriter(s, r), JsonLinesWriter.ReadEntries, line => line[0] == '{',
        "JSON lines, streamed as results arrive ('-' for standard output)");

    public static readonly ReportFormat Csv = new("-oC", "csv", "csv", InAll: true, Streamed: true,
        (s, r) => new CsvReportWriter(s, r), CsvReportWriter.ReadEntries,
        line => line.StartsWith("ip,", StringComparison.Ordinal) || line.StartsWith("\"ip\",", StringComparison.Ordinal),
        "CSV: ip, proto, port, state, service, class, flags, ttl, reason");

    public static readonly ReportFormat Xml = new("-oX", "xml", "xml", InAll: true, Streamed: false,
        (s, r) => new NmapXmlWriter(s, r), NmapXmlWriter.ReadEntries, line => line[0] == '<',
        "nmap-compatible XML (valid against nmap.dtd, read by ndiff)");

    public static readonly ReportFormat Grepable = new("-oG", "grep", "gnmap", InAll: true, Streamed: false,
        (s, r) => new GrepableWriter(s, r), GrepableWriter.ReadEntries, line => line[0] == '#' || line.StartsWith("Host: ", StringComparison.Ordinal),
        "nmap-style grepable");

    public static readonly ReportFormat Html = new("-oH", "html", "html", InAll: false, Streamed: false,
        (s, r) => new HtmlReportWriter(s, r), Read: null, Starts: null,
        "a self-contained HTML report with charts");

    /// <summary>Every format, in the order of the usage text and of -oA's files.</summary>
    public static readonly IReadOnlyList<ReportFormat> All = [JsonLines, Csv, Xml, Grepable, Html];

    /// <summary>The flag that writes every format with <see cref="ReportFormat.InAll"/> beside one base name.</summary>
    public const string AllFlag = "-oA";

    /// <summary>What <see cref="AllFlag"/> writes: BASE.json, BASE.csv, BASE.xml, BASE.gnmap.</summary>
    public static IEnumerable<ReportFormat> OfAll => All.Where(f => f.InAll);

    public static ReportFormat? ByFlag(string flag) => All.FirstOrDefault(f => f.Flag == flag);

    /// <exception cref="BadInputException">An unknown format name.</exception>
    public static ReportFormat ByName(string name) => All.FirstOrDefault(f => f.Name == name)
        ?? throw new BadInputException("output format", name, $"expected {string.Join(", ", All.Select(f => f.Name))}");

    /// <summary>
    /// The files one output flag asks for: -oJ FILE is (json, FILE); -oA BASE is every -oA format at
    /// BASE.extension. The one place -oA is expanded.
    /// </summary>
    /// <exception cref="BadInputException">An empty name, -oA to standard output, or an unknown flag.</exception>
    public static IEnumerable<(ReportFormat Format, string Path)> Expand(string flag, string path)
    {
        if (path.Length == 0) throw new BadInputException("output file", flag, "needs a file name");
        if (flag == AllFlag)
        {
            if (path == "-") throw new BadInputException("output file", "-", $"{AllFlag} writes {OfAll.Count()} files: give a base name");
            return [.. OfAll.Select(f => (f, $"{path}.{f.Extension}"))];
        }
        var format = ByFlag(flag) ?? throw new BadInputException("option", flag, "not an output format");
        return [(format, path)];
    }

    /// <exception cref="BadInputException">An unknown format name.</exception>
    public static IReportWriter Create(string name, Stream stream, IServiceRegistry registry) => ByName(name).Create(stream, registry);

    /// <summary>-oA BASE: one writer per -oA format, on BASE.json, BASE.csv, BASE.xml and BASE.gnmap (created or truncated).</summary>
    /// <exception cref="BadInputException">A file could not be created; those already opened are closed.</exception>
    public static IReportWriter[] CreateAll(string basePath, IServiceRegistry registry)
    {
        var writers = new List<IReportWriter>();
        try
        {
            foreach (var (format, path) in Expand(AllFlag, basePath))
            {
                Stream s;
                try
                {
                    s = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new BadInputException("output file", path, e.Message);
                }
                writers.Add(format.Create(s, registry));
            }
            return [.. writers];
        }
        catch
        {
            foreach (var w in writers) w.Dispose();
            throw;
        }
    }
}
