using System.Numerics;
using System.Runtime.CompilerServices;

namespace RawScan.Sessions;

/// <summary>
/// Banner connections by four-tuple, owned by the receive thread alone (the send thread only reads how
/// many are open, through the <see cref="ConnectionGate"/>), so it needs no atomics: a fixed array of
/// slots, a free list, and an open-addressing index (linear probing, deletion by backward shift) of
/// twice the slots, all allocated once. A slot keeps its number for the connection's life. The banner
/// bytes live elsewhere (the grabber's buffers): a slot may wait for one.
/// </summary>
/// <remarks>
/// Not the four-tuple table of probes: that one's keys belong to the send thread and its slot is freed
/// when the probe's timeout passes, while a banner connection outlives it, may move to a new source port
/// (a step that needs a fresh connection) and is touched only here.
/// </remarks>
internal sealed class ConnectionTable
{
    private readonly Connection[] _slots;
    private readonly int[] _free;
    private int _freeCount;
    private readonly int[] _index;           // slot + 1; 0 empty
    private readonly int _mask;

    public ConnectionTable(int capacity)
    {
        _slots = new Connection[capacity];
        _free = new int[capacity];
        for (int i = 0; i < capacity; i++) _free[i] = capacity - 1 - i;
        _freeCount = capacity;
        int size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, capacity * 2));
        _index = new int[size];
        _mask = size - 1;
    }

    public int Capacity => _slots.Length;
    public int Count => _slots.Length - _freeCount;

    public ref Connection this[int slot] => ref _slots[slot];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Home(UInt128 address, ushort port, ushort sourcePort)
    {
        ulong h = (ulong)address ^ (ulong)(address >> 64) * 0x9E3779B97F4A7C15UL ^ ((ulong)port << 16 | sourcePort);
        return (int)((h * 0xBF58476D1CE4E5B9UL) >> 40) & _mask;
    }

    /// <summary>The slot of the connection with this four-tuple, or -1.</summary>
    public int Find(UInt128 address, ushort port, ushort sourcePort)
    {
        for (int i = Home(address, port, sourcePort); ; i = (i + 1) & _mask)
        {
            int s = _index[i] - 1;
            if (s < 0) return -1;
            ref var c = ref _slots[s];
            if (c.SourcePort == sourcePort && c.Port == port && c.Address == address) return s;
        }
    }

    /// <summary>Takes a free slot for a new connection and indexes it; -1 when every slot is taken.</summary>
    public int Add(UInt128 address, ushort port, ushort sourcePort)
    {
        if (_freeCount == 0) return -1;
        int s = _free[--_freeCount];
        _slots[s] = default;
        _slots[s].Address = address;
        _slots[s].Port = port;
        _slots[s].SourcePort = sourcePort;
        Index(s);
        return s;
    }

    /// <summary>Moves a connection to a new source port (a follow-up connection on the same slot).</summary>
    public void Rekey(int slot, ushort sourcePort)
    {
        Unindex(slot);
        _slots[slot].SourcePort = sourcePort;
        Index(slot);
    }

    public void Remove(int slot)
    {
        Unindex(slot);
        _slots[slot].Phase = ConnectionPhase.Free;
        _slots[slot].Plan = null!;
        _free[_freeCount++] = slot;
    }

    private void Index(int slot)
    {
        ref var c = ref _slots[slot];
        int i = Home(c.Address, c.Port, c.SourcePort);
        while (_index[i] != 0) i = (i + 1) & _mask;
        _index[i] = slot + 1;
    }

    /// <summary>Backward-shift deletion: entries after the hole that could live in it move up, so no tombstones are needed.</summary>
    private void Unindex(int slot)
    {
        ref var c = ref _slots[slot];
        int i = Home(c.Address, c.Port, c.SourcePort);
        while (_index[i] != slot + 1) i = (i + 1) & _mask;
        int hole = i;
        for (int j = (hole + 1) & _mask; _index[j] != 0; j = (j + 1) & _mask)
        {
            ref var e = ref _slots[_index[j] - 1];
            int home = Home(e.Address, e.Port, e.SourcePort);
            // e may fill the hole if its home is not in (hole, j] (cyclically).
            bool stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
            if (stays) continue;
            _index[hole] = _index[j];
            hole = j;
        }
        _index[hole] = 0;
    }
}
