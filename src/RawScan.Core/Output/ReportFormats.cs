using RawScan.Registry;
using RawScan.Results;

namespace RawScan.Output;

/// <summary>
/// The report formats by name, for -oJ/-oC/-oX/-oG and -oA BASE (BASE.json, BASE.csv, BASE.xml,
/// BASE.gnmap). Each writer takes ownership of its stream (disposing the writer closes it).
/// </summary>
public static class ReportFormats
{
    /// <summary>The format names, in the order of <see cref="AllExtensions"/>.</summary>
    public static readonly string[] AllFormats = ["json", "csv", "xml", "grep"];

    /// <summary>The file extension of each format (no dot), in the order of <see cref="AllFormats"/>: -oA's files.</summary>
    public static readonly string[] AllExtensions = ["json", "csv", "xml", "gnmap"];

    /// <exception cref="BadInputException">An unknown format name.</exception>
    public static IReportWriter Create(string format, Stream stream, IServiceRegistry registry) => format switch
    {
        "json" => new JsonLinesWriter(stream, registry),
        "csv" => new CsvReportWriter(stream, registry),
        "xml" => new NmapXmlWriter(stream, registry),
        "grep" => new GrepableWriter(stream, registry),
        _ => throw new BadInputException("output format", format, "expected json, csv, xml or grep"),
    };

    public static string ExtensionOf(string format) =>
        Array.IndexOf(AllFormats, format) is var i and >= 0 ? AllExtensions[i]
        : throw new BadInputException("output format", format, "expected json, csv, xml or grep");

    /// <summary>-oA BASE: one writer per format, on BASE.json, BASE.csv, BASE.xml and BASE.gnmap (created or truncated).</summary>
    /// <exception cref="BadInputException">A file could not be created; those already opened are closed.</exception>
    public static IReportWriter[] CreateAll(string basePath, IServiceRegistry registry)
    {
        var writers = new List<IReportWriter>();
        try
        {
            for (int i = 0; i < AllFormats.Length; i++)
            {
                string path = $"{basePath}.{AllExtensions[i]}";
                Stream s;
                try
                {
                    s = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new BadInputException("output file", path, e.Message);
                }
                writers.Add(Create(AllFormats[i], s, registry));
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

/// <summary>Reads any of the four formats back, telling them apart by their content.</summary>
public static class ReportReader
{
    /// <summary>
    /// The format of <paramref name="path"/> by its first non-blank line: "{" JSON lines, "&lt;"
    /// nmap XML, "#" or "Host: " grepable, a header starting "ip," CSV; "json" for an empty file
    /// (JSON lines of a scan that found nothing).
    /// </summary>
    /// <exception cref="FormatException">None of them.</exception>
    public static string Detect(string path)
    {
        using var r = new StreamReader(path, ReportText.Utf8, detectEncodingFromByteOrderMarks: true);
        return Detect(r);
    }

    private static string Detect(TextReader r)
    {
        string? line;
        while ((line = r.ReadLine()) is not null)
        {
            var t = line.TrimStart();
            if (t.Length == 0) continue;
            if (t[0] == '{') return "json";
            if (t[0] == '<') return "xml";
            if (t[0] == '#' || t.StartsWith("Host: ", StringComparison.Ordinal)) return "grep";
            if (t.StartsWith("ip,", StringComparison.Ordinal) || t.StartsWith("\"ip\",", StringComparison.Ordinal)) return "csv";
            throw new FormatException($"not a RawScan report (JSON lines, CSV, nmap XML or grepable): it starts '{Shorten(t)}'");
        }
        return "json";
    }

    /// <summary>Every result in the report at <paramref name="path"/>, whichever of the four formats it is.</summary>
    /// <exception cref="FormatException">Not one of the formats, or a bad line (the message says where, not which file).</exception>
    /// <exception cref="IOException">It could not be read.</exception>
    public static List<PortResult> Read(string path) => Read(path, out _);

    public static List<PortResult> Read(string path, out string format)
    {
        format = Detect(path);
        using var r = new StreamReader(path, ReportText.Utf8, detectEncodingFromByteOrderMarks: true);
        return Read(r, format);
    }

    public static List<PortResult> Read(TextReader reader, string format) => format switch
    {
        "json" => [.. JsonLinesWriter.Read(reader)],
        "csv" => [.. CsvReportWriter.Read(reader)],
        "xml" => NmapXmlWriter.Read(reader),
        "grep" => [.. GrepableWriter.Read(reader)],
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "expected json, csv, xml or grep"),
    };

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
