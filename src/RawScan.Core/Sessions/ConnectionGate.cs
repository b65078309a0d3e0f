namespace RawScan.Sessions;

/// <summary>
/// How many banner connections are open, read by the send thread: new probes wait while the table is
/// three-quarters full, so a sweep that finds many open ports slows to the pace its connections end at
/// instead of opening more than it can hold. One writer (the receive thread); a volatile read per probe.
/// </summary>
internal sealed class ConnectionGate(int capacity)
{
    private int _open;

    public int Capacity { get; } = capacity;

    public int Open => Volatile.Read(ref _open);

    public bool HasRoom => Volatile.Read(ref _open) < Capacity - Capacity / 4;

    internal void Set(int open) => Volatile.Write(ref _open, open);
}
