namespace RawScan.Sessions;

/// <summary>
/// Whether the send thread may send another probe of a --banners scan: the TCP probes still unsettled
/// (each may bring a SYN-ACK, and so a connection) and the connections open must stay under three
/// quarters of the connection slots. Counting the probes in flight, not only the connections, keeps a
/// receive thread that is a little behind (SYN-ACKs captured, not yet turned into connections) from
/// letting the sweep run past the slots. Each count has one writer: the send thread its probes sent
/// and given up (<see cref="ScanCounters.Filtered"/>), the receive thread the answers
/// (<see cref="ScanCounters.Open"/>, Closed, FilteredByIcmp) and the connections; volatile reads, no lock.
/// </summary>
internal sealed class ConnectionGate(int capacity, ScanCounters? counters = null)
{
    private int _open;

    public int Capacity { get; } = capacity;

    /// <summary>TCP probes sent (first tries): the send thread's.</summary>
    public long Sent;

    /// <summary>Connections open or waiting for a buffer.</summary>
    public int Open => Volatile.Read(ref _open);

    public long InFlight => counters is null ? 0 : Math.Max(0, Volatile.Read(ref Sent) - Volatile.Read(ref counters.Open) - Volatile.Read(ref counters.Closed)
        - Volatile.Read(ref counters.FilteredByIcmp) - Volatile.Read(ref counters.Filtered));

    public bool HasRoom => Volatile.Read(ref _open) + InFlight < Capacity - Capacity / 4;

    internal void Set(int open) => Volatile.Write(ref _open, open);
}
