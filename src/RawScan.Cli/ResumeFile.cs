using System.Text.Json;
using System.Text.Json.Serialization;

namespace RawScan.Cli;

/// <summary>
/// What an interrupted scan needs to finish exactly: its arguments, its seed (so the shuffled order is
/// the same) and the first position of that order not yet sent (every one before it was sent).
/// Like masscan's paused.conf, but with the position as an exact index rather than a count.
/// </summary>
internal sealed record ResumeFile(
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("args")] string[] Args,
    [property: JsonPropertyName("seed")] ulong Seed,
    [property: JsonPropertyName("position")] ulong Position,
    [property: JsonPropertyName("sent")] long Sent,
    [property: JsonPropertyName("planned")] long Planned)
{
    public const string DefaultPath = "paused.rawscan";

    public void Save(string path)
    {
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.Move(tmp, path, overwrite: true); // never a half-written file where the last good one was
    }

    public static ResumeFile Load(string path)
    {
        ResumeFile? r;
        try { r = JsonSerializer.Deserialize<ResumeFile>(File.ReadAllText(path)); }
        catch (FileNotFoundException) { throw new BadInputException("resume file", path, "no such file"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new BadInputException("resume file", path, e is JsonException ? "not a RawScan resume file" : e.Message);
        }
        if (r is null || r.Version != 1 || r.Args is null) throw new BadInputException("resume file", path, "not a RawScan resume file");
        return r;
    }
}
