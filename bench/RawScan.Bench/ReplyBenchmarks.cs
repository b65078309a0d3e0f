using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using RawScan.Match;
using RawScan.Probes;
using RawScan.Receive;
using RawScan.Results;
using RawScan.Targets;

namespace RawScan.Bench;

/// <summary>The per-reply work of the receive loop: parse a SYN-ACK in place and prove it by its cookie.</summary>
[MemoryDiagnoser]
public class ReplyBenchmarks
{
    private const int N = 1024;
    private readonly byte[][] _frames = new byte[N][];
    private ReplyMatcher _matcher = null!;

    [GlobalSetup]
    public void Setup()
    {
        var cookie = new SynCookie(1, 2);
        _matcher = new ReplyMatcher(cookie, 0xC6130002, 61000, 65535);
        for (int i = 0; i < N; i++) _frames[i] = SynAck(cookie, 0xC6120000u + (uint)i);
        if (ParseAndMatch() != N) throw new InvalidOperationException("benchmark replies did not match: the figures would mean nothing");
    }

    /// <summary>A SYN-ACK from <paramref name="src"/>:80 to 198.19.0.2:61000 answering our cookie.</summary>
    internal static byte[] SynAck(SynCookie cookie, uint src)
    {
        var f = new byte[54];
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), 0x0800);
        f[14] = 0x45; BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(16), 40); f[22] = 64; f[23] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(26), src);
        BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(30), 0xC6130002);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(34), 80);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(36), 61000);
        BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(42), cookie.Compute(0xC6130002, src, 61000, 80) + 1);
        f[46] = 0x50; f[47] = 0x12;
        return f;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public int ParseAndMatch()
    {
        int matched = 0;
        foreach (var f in _frames)
            if (Packet.TryParse(f, out var p) && _matcher.Match(p, out _, 0) == MatchOutcome.Result) matched++;
        return matched;
    }
}

/// <summary>
/// The four-tuple table's share of the hot path: every probe is inserted, resolved by its reply and
/// removed once settled; and the receive side's whole per-reply work (parse, cookie proof, resolve).
/// </summary>
[MemoryDiagnoser]
public class TableBenchmarks
{
    private const int N = 1024;
    private readonly FourTupleTable _table = new(1 << 16);
    private readonly long[] _keys = new long[N];
    private readonly byte[][] _frames = new byte[N][];
    private readonly int[] _slots = new int[N];
    private ReplyMatcher _matcher = null!;
    // A scan of 198.18.0.0/16 x 80,443: a reply finds its probe's key by the probe's index (two binary searches).
    private readonly ScanSpace _space = new(TargetSet.Parse("198.18.0.0/16"), PortSet.Parse("80,443"));

    [GlobalSetup]
    public void Setup()
    {
        var cookie = new SynCookie(1, 2);
        _matcher = new ReplyMatcher(cookie, 0xC6130002, 61000, 65535);
        for (int i = 0; i < N; i++)
        {
            uint src = 0xC6120000u + (uint)i;
            _space.TryIndexOf(Ip.V4(src), 80, Protocol.Tcp, out ulong index);
            _keys[i] = FourTupleTable.KeyOf(index);
            _frames[i] = ReplyBenchmarks.SynAck(cookie, src);
        }
        if (InsertResolveRemove() != N) throw new InvalidOperationException("not every probe was settled by its reply");
    }

    [Benchmark(OperationsPerInvoke = N)]
    public int InsertResolveRemove()
    {
        int first = 0;
        for (int i = 0; i < N; i++) _slots[i] = _table.Insert(_keys[i], (ulong)i, i);
        for (int i = 0; i < N; i++)
            if (_table.Resolve(_keys[i], PortState.Open, out _, out _) == FourTupleTable.Resolution.First) first++;
        for (int i = 0; i < N; i++) _table.Remove(_slots[i]);
        return first;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public int ParseMatchResolve()
    {
        int first = 0;
        for (int i = 0; i < N; i++) _slots[i] = _table.Insert(_keys[i], (ulong)i, i);
        foreach (var f in _frames)
            if (Packet.TryParse(f, out var p) && _matcher.Match(p, out var r, 0) == MatchOutcome.Result
                && _space.TryIndexOf(r.Address, r.Port, r.Protocol, out ulong index)
                && _table.Resolve(FourTupleTable.KeyOf(index), r.State, out _, out _) == FourTupleTable.Resolution.First)
                first++;
        for (int i = 0; i < N; i++) _table.Remove(_slots[i]);
        return first;
    }
}

/// <summary>
/// The table shared as in a scan: this thread inserts and removes (the sender) while another resolves
/// the same keys without pause (the receiver). Shows what the CAS traffic costs the sender.
/// </summary>
[MemoryDiagnoser]
public class TableContentionBenchmarks
{
    private const int N = 1024;
    private readonly FourTupleTable _table = new(1 << 16);
    private readonly long[] _keys = new long[N];
    private readonly int[] _slots = new int[N];
    private Thread? _receiver;
    private volatile bool _stop;
    private long _resolved;

    [GlobalSetup]
    public void Setup()
    {
        for (int i = 0; i < N; i++) _keys[i] = FourTupleTable.KeyOf((ulong)i);
        _receiver = new Thread(() =>
        {
            long n = 0;
            while (!_stop)
                for (int i = 0; i < N; i++)
                    if (_table.Resolve(_keys[i], PortState.Open, out _, out _) == FourTupleTable.Resolution.First) n++;
            Interlocked.Add(ref _resolved, n);
        }) { IsBackground = true, Name = "contender" };
        _receiver.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stop = true;
        _receiver!.Join();
        if (Interlocked.Read(ref _resolved) == 0) throw new InvalidOperationException("the contending thread resolved nothing: no contention was measured");
    }

    [Benchmark(OperationsPerInvoke = N)]
    public int InsertRemoveWhileResolved()
    {
        int settled = 0;
        for (int i = 0; i < N; i++) _slots[i] = _table.Insert(_keys[i], (ulong)i, i);
        for (int i = 0; i < N; i++)
        {
            if (_table.IsSettled(_slots[i])) settled++;
            _table.Remove(_slots[i]);
        }
        return settled;
    }
}
