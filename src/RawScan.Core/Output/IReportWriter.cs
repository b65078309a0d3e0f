using RawScan.Results;

namespace RawScan.Output;

/// <summary>
/// One output format. Every result arrives, one at a time on the receive thread (as <see cref="IResultSink"/>),
/// whatever --show asks: a writer lists the states of <see cref="ScanHeader.Shown"/> and counts the rest;
/// <see cref="Begin"/> comes before the first, <see cref="End"/> after the last, also when the scan was
/// interrupted or failed, so what was found is always written out whole.
/// </summary>
public interface IReportWriter : IResultSink, IDisposable
{
    void Begin(ScanHeader header);
    void End(ScanSummary summary);
}
