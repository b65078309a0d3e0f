using System.Text.Json;
using System.Text.Json.Serialization;

namespace RawScan.Cli;

/// <summary>
/// What a stopped scan needs to finish exactly: its arguments, its seed (so the shuffled order is the
/// same), its place in that order (every position before <see cref="Low"/> settled, every one from
/// <see cref="Position"/> on unsent) and the length of its results journal that place counts on. Like
/// masscan's paused.conf, but kept while the scan runs (about once a second), so a scan killed
/// outright resumes too, and exact: the probes in flight are probed again, none twice.
/// </summary>
/// <param name="Journal">The results journal's file name, in the resume file's folder.</param>
internal sealed record ResumeFile(
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("args")] string[] Args,
    [property: JsonPropertyName("seed")] ulong Seed,
    [property: JsonPropertyName("position")] ulong Position,
    [property: JsonPropertyName("low")] ulong Low,
    [property: JsonPropertyName("journal")] string Journal,
    [property: JsonPropertyName("journal_length")] long JournalLength,
    [property: JsonPropertyName("saved")] DateTimeOffset Saved)
{
    public const int CurrentVersion = 2;
    public const string DefaultPath = "paused.rawscan";

    /// <summary>The journal beside a resume file: its name with ".journal" added.</summary>
    public static string JournalNameFor(string path) => Path.GetFileName(path) + ".journal";

    public string JournalPath(string resumePath) => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(resumePath)) ?? ".", Journal);

    /// <summary>
    /// Writes the file whole and durably: beside its place, synced, then renamed over it, so a kill or a
    /// power cut at any moment leaves the last good file or this one, never a half-written one.
    /// </summary>
    public void Save(string path)
    {
        string tmp = $"{path}.{Environment.ProcessId}.tmp";
        try
        {
            using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1))
            {
                f.Write(JsonSerializer.SerializeToUtf8Bytes(this, ResumeFileJson.Default.ResumeFile));
                f.WriteByte((byte)'\n');
                f.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Far above any saved command line (Linux caps one at a few MiB), far below what memory holds.</summary>
    private const int MaxChars = 16 << 20;

    public static ResumeFile Load(string path)
    {
        ResumeFile? r;
        // An empty name was an ArgumentException: internal error, exit 1.
        if (path.Length == 0) throw new BadInputException("resume file", path, "needs a file name");
        if (Directory.Exists(path)) throw new BadInputException("resume file", path, "is a directory");
        try { r = JsonSerializer.Deserialize(ReadBounded(path), ResumeFileJson.Default.ResumeFile); }
        catch (FileNotFoundException) { throw new BadInputException("resume file", path, "no such file"); }
        catch (DirectoryNotFoundException) { throw new BadInputException("resume file", path, "no such file"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new BadInputException("resume file", path, e is JsonException ? "not a RawScan resume file" : e.Message);
        }
        // A null among the arguments reached the option parser and ended in a NullReferenceException (exit 1).
        if (r is null || r.Args is null || r.Args.Any(a => a is null) || r.Journal is null)
            throw new BadInputException("resume file", path, "not a RawScan resume file");
        if (r.Version != CurrentVersion) throw new BadInputException("resume file", path, $"written by another version of RawScan (format {r.Version}, this one reads {CurrentVersion})");
        if (Path.GetFileName(r.Journal) != r.Journal) throw new BadInputException("resume file", path, "names a journal outside its folder");
        return r;
    }

    /// <summary>The whole file, or bad input past <see cref="MaxChars"/>: --resume /dev/zero read until the process ran out of memory (exit 1).</summary>
    private static string ReadBounded(string path)
    {
        using var reader = new StreamReader(path);
        var text = new System.Text.StringBuilder();
        var chunk = new char[1 << 16];
        int n;
        while ((n = reader.Read(chunk)) > 0)
        {
            if (text.Length + n > MaxChars) throw new BadInputException("resume file", path, $"larger than {MaxChars >> 20} Mi characters: not a RawScan resume file");
            text.Append(chunk, 0, n);
        }
        return text.ToString();
    }
}

/// <summary>
/// The resume file's JSON, generated at build time: the reflection-based serializer's first use cost
/// ~150 ms of start-up (measured with strace on a one-host scan: from creating the temporary file to
/// its fsync), paid by every scan, which keeps its place from the start.
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(ResumeFile))]
internal sealed partial class ResumeFileJson : JsonSerializerContext;
