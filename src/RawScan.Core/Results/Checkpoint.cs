namespace RawScan.Results;

/// <summary>
/// Where a scan's place is kept while it runs, so that one killed outright resumes exactly. Called
/// about once a second (<see cref="ScanOptions.CheckpointEvery"/>) and not at all per packet, on the
/// thread that writes results (the receive thread; the send thread in a dry run), after every result
/// settled so far has reached the sinks: an implementation syncs its journal of results, then saves
/// the position, so a saved position never counts on a result that is not on disk.
/// </summary>
public interface ICheckpoint
{
    /// <summary>Writes out (not yet to disk) every result given so far; returns how far the journal reaches, for <see cref="Save"/>.</summary>
    long Mark();

    /// <summary>Syncs the journal to disk, then saves the place, which counts on the journal up to <paramref name="mark"/>.</summary>
    /// <param name="position">Every position of the shuffled order before it has been sent (see Transmitter.NextPosition); none after it has.</param>
    /// <param name="low">Every position before it is settled (answered or given up, its result written); those from
    /// here to <paramref name="position"/> are settled only where the journal has their result, and the rest are
    /// probed again on resume.</param>
    void Save(ulong position, ulong low, long mark);
}

/// <summary>
/// Hands a checkpoint from the send thread, which alone knows the position and the oldest probe in
/// flight, to the thread that writes results, which alone can say that every result settled before
/// the request has been written (it drains the give-ups queued for it first). The send thread waits
/// until the results are written out (microseconds at speed, when replies keep the receive loop
/// busy; 10 ms at most when idle) and sends nothing meanwhile: a result of a probe sent after the
/// position would be in the journal the place counts on, and that probe, being after the position,
/// would be sent again on resume and reported twice. Syncing to disk and saving the place happen
/// after the send thread goes on. Two volatile counters, no lock.
/// </summary>
internal sealed class CheckpointRelay(ICheckpoint target, bool direct)
{
    private long _requested, _served;
    private ulong _position, _low;

    /// <summary>Whether the thread that serves requests still runs (a receive loop that failed serves none).</summary>
    public Func<bool> ServerAlive { get; set; } = () => true;

    /// <summary>Send thread: keeps the place (at once when there is no receive thread); returns once the results are written out.</summary>
    public void Request(ulong position, ulong low, CancellationToken ct)
    {
        if (direct)
        {
            target.Save(position, low, target.Mark());
            return;
        }
        _position = position;
        _low = low;
        long request = _requested + 1;
        Volatile.Write(ref _requested, request);
        var spin = new SpinWait();
        while (Volatile.Read(ref _served) != request && !ct.IsCancellationRequested && ServerAlive()) spin.SpinOnce();
    }

    /// <summary>Receive thread: serves a request, after <paramref name="drain"/> has written every result settled before it.</summary>
    /// <summary>
    /// The lowest position whose result the serving thread still holds back (a --banners connection still
    /// open): the place counts it unsettled. Asked only when a request is served.
    /// </summary>
    public Func<ulong>? Held { get; set; }

    public void Serve(ResultQueue drain, IResultSink sink)
    {
        long requested = Volatile.Read(ref _requested);
        if (requested == _served) return;
        ulong position = _position, low = Math.Min(_low, Held?.Invoke() ?? ulong.MaxValue);
        long mark;
        try
        {
            drain.Drain(sink);
            mark = target.Mark();
        }
        finally { Volatile.Write(ref _served, requested); }   // the send thread goes on (and on a failure, is not left waiting)
        target.Save(position, low, mark);
    }
}
