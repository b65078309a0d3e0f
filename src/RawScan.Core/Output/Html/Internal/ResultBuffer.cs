using System.Runtime.InteropServices;

namespace RawScan.Output.Html.Internal;

/// <summary>
/// The listed results, appended on the receive thread into fixed 64 Ki-entry chunks (2 MiB each), never
/// one growing array: a List&lt;Row&gt; of millions doubles by copying everything it holds, on the
/// receive thread, while replies queue up in the capture ring. Here an append is a store and, once per
/// 65,536 results, one new chunk. <see cref="ToSortedArray"/> joins them once, at End.
/// </summary>
internal sealed class ResultBuffer
{
    private const int ChunkBits = 16;
    private const int ChunkSize = 1 << ChunkBits;

    private readonly List<Row[]> _chunks = [];
    private Row[]? _current;
    private int _used = ChunkSize;

    public long Count { get; private set; }

    public void Add(Row value)
    {
        if (_used == ChunkSize) NewChunk();
        _current![_used++] = value;
        Count++;
    }

    private void NewChunk()
    {
        _current = GC.AllocateUninitializedArray<Row>(ChunkSize);
        _chunks.Add(_current);
        _used = 0;
    }

    /// <summary>Every value, sorted; the chunks are let go.</summary>
    public Row[] ToSortedArray()
    {
        var all = GC.AllocateUninitializedArray<Row>(checked((int)Count));
        int at = 0;
        for (int i = 0; i < _chunks.Count; i++)
        {
            int n = i == _chunks.Count - 1 ? _used : ChunkSize;
            _chunks[i].AsSpan(0, n).CopyTo(all.AsSpan(at));
            at += n;
        }
        _chunks.Clear();
        _current = null;
        _used = ChunkSize;
        Count = 0;
        all.AsSpan().Sort();
        return all;
    }
}

/// <summary>
/// What a host answered in the states the report does not list (closed, ICMP-filtered without --show):
/// counted per host so its line can say "not shown: 998 closed", one small struct per answering host.
/// Silence (no-response) is not kept per host: it is counted in the scan's totals, and a /8 of dead
/// addresses must not cost an entry per address.
/// </summary>
internal struct HiddenCounts
{
    public int Closed, Filtered, OpenFiltered;

    public readonly int Total => Closed + Filtered + OpenFiltered;
}

internal sealed class HiddenTable
{
    private readonly Dictionary<UInt128, HiddenCounts> _hosts;

    public HiddenTable(int capacity) => _hosts = new Dictionary<UInt128, HiddenCounts>(capacity);

    public void Add(UInt128 address, Results.PortState state)
    {
        ref var c = ref CollectionsMarshal.GetValueRefOrAddDefault(_hosts, address, out _);
        switch (state)
        {
            case Results.PortState.Closed: c.Closed++; break;
            case Results.PortState.Filtered: c.Filtered++; break;
            default: c.OpenFiltered++; break;
        }
    }

    public HiddenCounts this[UInt128 address] => _hosts.GetValueOrDefault(address);

    /// <summary>The hosts with hidden answers, ascending.</summary>
    public UInt128[] SortedHosts()
    {
        var keys = _hosts.Keys.ToArray();
        keys.AsSpan().Sort();
        return keys;
    }
}
