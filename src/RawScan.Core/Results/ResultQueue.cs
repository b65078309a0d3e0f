namespace RawScan.Results;

/// <summary>
/// A bounded single-producer, single-consumer ring of results: the send thread, which decides that an
/// unanswered probe is filtered, hands the result to the receive thread, which alone writes to the
/// result sinks. Lock-free: each index has one writer; Volatile orders the slot before the index.
/// </summary>
internal sealed class ResultQueue(int capacityPow2)
{
    private readonly PortResult[] _items = new PortResult[capacityPow2];
    private readonly int _mask = capacityPow2 - 1;
    private long _head, _tail; // _tail: producer's; _head: consumer's

    /// <summary>Producer: whether one more fits.</summary>
    public bool HasRoom => _tail - Volatile.Read(ref _head) < _items.Length;

    /// <summary>Producer: false when full (the caller waits and tries again).</summary>
    public bool TryEnqueue(in PortResult r)
    {
        long tail = _tail;
        if (tail - Volatile.Read(ref _head) >= _items.Length) return false;
        _items[tail & _mask] = r;
        Volatile.Write(ref _tail, tail + 1);
        return true;
    }

    /// <summary>Consumer: hands every queued result to <paramref name="sink"/>; returns how many.</summary>
    public int Drain(IResultSink sink)
    {
        long head = _head, tail = Volatile.Read(ref _tail);
        // Called after every captured frame: an empty queue writes nothing, so the producer's cache
        // line holding _head is not pulled across cores once per packet.
        if (head == tail) return 0;
        for (long i = head; i < tail; i++) sink.OnResult(_items[i & _mask]);
        Volatile.Write(ref _head, tail);
        return (int)(tail - head);
    }
}
