namespace RawScan.Lab.Internal;

/// <summary>
/// One thing the target namespace answers with. A service binds in its constructor, so a port that
/// cannot be had fails <c>lab serve</c> before it is reported ready, then serves until cancelled.
/// </summary>
internal interface ILabService : IDisposable
{
    /// <summary>"tcp/22": for the serve log.</summary>
    string Description { get; }

    /// <summary>Serves until <paramref name="ct"/> is cancelled, then completes (not faults).</summary>
    Task RunAsync(CancellationToken ct);
}
