using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RawScan.Interop;
using RawScan.Results;

namespace RawScan.Match;

/// <summary>
/// Probes in flight, keyed by their index in the scan space, which names (target address, target
/// port, protocol) for either family: the source address is the scan's and the source port follows
/// from the probe's position, so the index names the four-tuple. It serves what the cookie cannot: deduplication (a port is resolved once however many
/// replies come), the RTT of first answers, and the probes still unanswered for retransmission.
/// </summary>
/// <remarks>
/// A fixed power-of-two array of blittable slots with linear probing (masscan main-dedup.c), no lock
/// and no allocation after construction. Ownership keeps it lock-free with plain atomics:
/// <list type="bullet">
/// <item>The send thread alone writes keys: it inserts (fields first, then the key, published with a
/// release write) and removes (a tombstone, tidied back to empty at the end of a chain).</item>
/// <item>The receive thread only reads keys and resolves a slot with one compare-and-swap on its state
/// word. The state carries the slot's generation, bumped at every insert, so a reply that found the
/// slot just before it was removed and reused cannot resolve the newcomer: its CAS fails.</item>
/// </list>
/// Its size is the caller's choice (<see cref="Scanner.TableCapacity"/>): the fewer of what the rate can put
/// in flight (rate x timeout) and what the scan can (twice its probes); never the scan's size beyond that.
/// </remarks>
internal sealed class FourTupleTable
{
    [StructLayout(LayoutKind.Sequential)]
    private struct Slot
    {
        public long Key;        // 0 empty, -1 tombstone, else KeyOf(the probe's index)
        public long Position;   // the probe's position in the shuffled order: gives its source port
        public long SentTicks;  // Stopwatch ticks of the last send (one clock read per batch)
        public long State;      // generation << 32 | flags << 16 | state << 8 | tries
    }

    private const long Empty = 0, Tombstone = -1;
    private const int ResolvedFlag = 1, GaveUpFlag = 2;

    private readonly Slot[] _slots;
    private readonly int _mask, _shift;
    private int _used;                          // keys and tombstones: what probing has to walk over

    public FourTupleTable(int capacity)
    {
        if (capacity < 16 || !BitOperations.IsPow2(capacity)) throw new ArgumentOutOfRangeException(nameof(capacity), "a power of two, at least 16");
        _slots = Prefaulted.Array<Slot>(capacity);    // written by one thread, read by another: see Prefaulted
        _mask = capacity - 1;
        _shift = 64 - BitOperations.Log2((uint)capacity);
    }

    public int Capacity => _slots.Length;

    /// <summary>Live entries and tombstones; the sender stops adding at half the capacity, so probe chains stay short.</summary>
    public int Used => Volatile.Read(ref _used);

    public bool HasRoom => Used < _slots.Length / 2;

    /// <summary>
    /// A probe's key: its index in the scan space plus one (<see cref="Targets.ScanSpace"/>: the index names
    /// the address, port and protocol, for IPv4 and IPv6 alike, in 63 bits). Never 0 (empty) nor -1
    /// (a tombstone): indices are below 2^63.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long KeyOf(ulong index) => (long)(index + 1);

    /// <summary>The probe's index in the scan space.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong IndexOf(long key) => (ulong)key - 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Home(long key) => (int)(((ulong)key * 0x9E3779B97F4A7C15UL) >> _shift);

    // ---- send thread ----

    /// <summary>Adds a probe just sent (first try). Returns its slot, or -1 when the table is full.</summary>
    /// <param name="tries">The tries the probe counts as having had: 1 for a first send; a last chance counts as the last try (no resend follows).</param>
    public int Insert(long key, ulong position, long sentTicks, int tries = 1)
    {
        if (!HasRoom) return -1;
        int i = Home(key), reuse = -1;
        for (int n = 0; n <= _mask; n++, i = (i + 1) & _mask)
        {
            long k = _slots[i].Key;
            if (k == Tombstone) { if (reuse < 0) reuse = i; continue; }
            if (k == Empty) break;
            if (k == key) throw new InvalidOperationException("probe inserted twice");
        }
        bool fresh = reuse < 0;
        if (!fresh) i = reuse;
        ref var s = ref _slots[i];
        long generation = ((s.State >>> 32) + 1) & 0xffffffff;
        s.Position = (long)position;
        s.SentTicks = sentTicks;
        Volatile.Write(ref s.State, (generation << 32) | (uint)tries);
        Volatile.Write(ref s.Key, key);        // publish: the fields above are visible to whoever sees the key
        if (fresh) Interlocked.Increment(ref _used);
        return i;
    }

    /// <summary>Counts one more try of an unsettled probe. False if it was answered meanwhile (then it is not resent).</summary>
    public bool MarkRetransmitted(int slot)
    {
        ref var s = ref _slots[slot];
        while (true)
        {
            long st = Volatile.Read(ref s.State);
            if ((st >> 16 & 0xff) != 0) return false;
            if (Interlocked.CompareExchange(ref s.State, st + 1, st) == st) return true;
        }
    }

    /// <summary>Records when a probe (first or later try) leaves: just before the batch is sent.</summary>
    public void SetSent(int slot, long sentTicks) => Volatile.Write(ref _slots[slot].SentTicks, sentTicks);

    /// <summary>Gives up on an unanswered probe; false if a reply resolved it first.</summary>
    public bool TryGiveUp(int slot)
    {
        ref var s = ref _slots[slot];
        long st = Volatile.Read(ref s.State);
        if ((st >> 16 & 0xff) != 0) return false;
        return Interlocked.CompareExchange(ref s.State, st | ((long)GaveUpFlag << 16), st) == st;
    }

    /// <summary>Frees a slot (resolved, or given up). A tombstone keeps later keys of the chain findable.</summary>
    public void Remove(int slot)
    {
        Volatile.Write(ref _slots[slot].Key, Tombstone);
        // A tombstone followed by an empty slot ends its chain: no key lies beyond it, so it can be
        // emptied, and so can the tombstones before it. Safe without a lock: only this thread inserts.
        int i = slot;
        while (_slots[(i + 1) & _mask].Key == Empty && _slots[i].Key == Tombstone)
        {
            Volatile.Write(ref _slots[i].Key, Empty);
            Interlocked.Decrement(ref _used);
            i = (i - 1) & _mask;
        }
    }

    public long KeyAt(int slot) => Volatile.Read(ref _slots[slot].Key);
    public ulong PositionAt(int slot) => (ulong)_slots[slot].Position;
    public long SentTicksAt(int slot) => Volatile.Read(ref _slots[slot].SentTicks);
    public int TriesAt(int slot) => (int)(Volatile.Read(ref _slots[slot].State) & 0xff);
    /// <summary>Answered, or given up: either way not to be resent.</summary>
    public bool IsSettled(int slot) => (Volatile.Read(ref _slots[slot].State) >> 16 & 0xff) != 0;

    // ---- receive thread ----

    /// <summary>The slot holding <paramref name="key"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(long key)
    {
        int i = Home(key);
        for (int n = 0; n <= _mask; n++, i = (i + 1) & _mask)
        {
            long k = Volatile.Read(ref _slots[i].Key);
            if (k == key) return i;
            if (k == Empty) return -1;
        }
        return -1;
    }

    /// <summary>What resolving a reply found.</summary>
    public enum Resolution { First, Duplicate, Late }

    /// <summary>
    /// Resolves the probe for <paramref name="key"/> with <paramref name="state"/>: First for the first
    /// answer (with its send time and try count, for the RTT), Duplicate for any later one, Late when
    /// the probe is no longer in flight (given up, or long resolved and removed).
    /// </summary>
    public Resolution Resolve(long key, PortState state, out long sentTicks, out int tries) => Resolve(key, state, out sentTicks, out tries, out _);

    /// <summary>As above, with the probe's position in the shuffled order (what a banner connection keeps for checkpoints).</summary>
    public Resolution Resolve(long key, PortState state, out long sentTicks, out int tries, out ulong position)
    {
        sentTicks = 0; tries = 0; position = 0;
        while (true)
        {
            int i = Find(key);
            if (i < 0) return Resolution.Late;
            ref var s = ref _slots[i];
            long st = Volatile.Read(ref s.State);
            long sent = Volatile.Read(ref s.SentTicks);
            ulong at = (ulong)s.Position;
            if (Volatile.Read(ref s.Key) != key) continue;           // removed or reused under us: look again
            int flags = (int)(st >> 16 & 0xff);
            if ((flags & GaveUpFlag) != 0) return Resolution.Late;
            if ((flags & ResolvedFlag) != 0) return Resolution.Duplicate;
            long next = (st & ~0xffff00L) | ((long)ResolvedFlag << 16) | ((long)state << 8);
            if (Interlocked.CompareExchange(ref s.State, next, st) != st) continue; // a retransmit or give-up raced: look again
            sentTicks = sent;
            tries = (int)(st & 0xff);
            position = at;
            return Resolution.First;
        }
    }
}
