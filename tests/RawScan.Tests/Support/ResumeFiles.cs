using RawScan.Cli;
using RawScan.Results;

namespace RawScan.Tests;

/// <summary>Resume files for parse tests: a place and an empty journal beside it, as a scan stopped before any result would leave.</summary>
internal static class ResumeFiles
{
    public static void Write(string path, string[] savedArgs, ulong seed, ulong position)
    {
        string journal = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, ResumeFile.JournalNameFor(path));
        ResultJournal.Create(journal, seed).Dispose();
        new ResumeFile(ResumeFile.CurrentVersion, savedArgs, seed, position, position, Path.GetFileName(journal), ResultJournal.HeaderLength,
            DateTimeOffset.Now).Save(path);
    }

    public static void Delete(string path)
    {
        File.Delete(path);
        File.Delete(path + ".journal");
    }
}
