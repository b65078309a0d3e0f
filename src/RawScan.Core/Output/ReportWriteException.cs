namespace RawScan.Output;

/// <summary>
/// A report could not be written while the scan ran (a full disk, standard output's reader gone): the
/// scan stops, says so in one line and saves its place, instead of scanning on into a report that is
/// lost (`rawscan scan ... | head -1` used to run to the end and exit 0).
/// </summary>
public sealed class ReportWriteException(IOException inner)
    : IOException($"a report could not be written, so the scan stopped: {inner.Message}", inner);
