namespace RawScan.Results;

/// <summary>
/// One port as a report or the journal gives it back: the result, and what its banner grab found
/// (null when the port had none: no --banners, not an open TCP port, or a format that keeps nothing of it).
/// </summary>
public readonly record struct ReportEntry(PortResult Result, ServiceFinding? Service)
{
    public static implicit operator ReportEntry(PortResult r) => new(r, null);
}
