using RawScan.Output;
using RawScan.Results;

namespace RawScan.Cli;

/// <summary>
/// A scan's place, kept on disk while it runs: the results journal (every settled result, appended)
/// and the resume file (the position, and how much of the journal it counts on). Opened once the scan
/// can start; saved by the receive thread about once a second (<see cref="ICheckpoint"/>) and by the
/// main thread when the scan stops short; deleted when it completes.
/// </summary>
internal sealed class ScanCheckpoint(string[] savedArgs, ulong seed) : ICheckpoint, IDisposable
{
    private ResultJournal? _journal;

    /// <summary>The resume file this scan keeps its place in, once opened.</summary>
    public string? Path { get; private set; }

    /// <summary>The journal, to be given every result (first of the sinks, so a report that fails cannot keep a result from it).</summary>
    public ResultJournal? Journal => _journal;

    /// <summary>When the resume file was last saved: the place a resume starts from.</summary>
    public DateTimeOffset? LastSaved { get; private set; }

    /// <summary>Starts a new scan's journal at <paramref name="path"/> and saves its starting place at once.</summary>
    public void Start(string path, ulong position)
    {
        _journal = ResultJournal.Create(System.IO.Path.Combine(Folder(path), ResumeFile.JournalNameFor(path)), seed);
        Path = path;
        Save(position, position);
    }

    /// <summary>Continues a resumed scan's journal, cut to what its resume file counted on.</summary>
    public void Continue(string path, ResumeFile saved)
    {
        _journal = ResultJournal.Continue(saved.JournalPath(path), seed, saved.JournalLength);
        Path = path;
        LastSaved = saved.Saved;
    }

    /// <summary>The place, now (the main thread's, once the scan's threads are done).</summary>
    public void Save(ulong position, ulong low) => Save(position, low, Mark());

    public long Mark()
    {
        try { return _journal?.Flush() ?? 0; }
        catch (IOException e) { throw new ReportWriteException(e); }
    }

    /// <summary>Journal first, synced; then the place that counts on it. Either failing leaves the last saved place standing.</summary>
    public void Save(ulong position, ulong low, long mark)
    {
        if (_journal is null || Path is null) return;
        try
        {
            long length = _journal.Commit(mark);
            var now = DateTimeOffset.Now;
            new ResumeFile(ResumeFile.CurrentVersion, savedArgs, seed, position, low, System.IO.Path.GetFileName(_journal.Path), length, now).Save(Path);
            LastSaved = now;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // On the receive thread this stops the scan, as a report that cannot be written does.
            throw e as ReportWriteException ?? new ReportWriteException(e as IOException ?? new IOException($"{Path}: {e.Message}", e));
        }
    }

    /// <summary>The scan completed: its place is of no more use, and resuming it would probe everything twice.</summary>
    public void Delete()
    {
        if (_journal is null || Path is null) return;
        _journal.Delete();
        File.Delete(Path);
    }

    public void Dispose() => _journal?.Dispose();

    private static string Folder(string path) => System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? ".";
}
