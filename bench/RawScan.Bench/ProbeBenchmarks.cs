using BenchmarkDotNet.Attributes;
using RawScan.Probes;
using RawScan.Targets;

namespace RawScan.Bench;

/// <summary>
/// The per-probe work of the send loop: pick the (address, port) of index i, compute its cookie and
/// patch the SYN template. Each must allocate nothing ([MemoryDiagnoser] shows 0 B).
/// </summary>
[MemoryDiagnoser]
public class ProbeBenchmarks
{
    private const int N = 1024;
    private readonly byte[] _frame = new byte[128];
    private SynCookie _cookie;
    private TcpTemplate _template = null!;
    private ScanSpace _space = null!;

    [GlobalSetup]
    public void Setup()
    {
        _cookie = new SynCookie(1, 2);
        _template = new TcpTemplate([2, 0, 0, 0, 0, 2], [2, 0, 0, 0, 0, 1], 0xC6130002);
        _space = new ScanSpace(TargetSet.Parse("198.18.0.0/16"), PortSet.Parse("1-1000"));
        // Checked result: the patched frame must carry valid checksums, or the figures mean nothing.
        _template.Write(_frame, 0xC6120101, 61000, 80, 7, 7);
        if (Checksum.Compute(_frame.AsSpan(14, 20)) != 0) throw new InvalidOperationException("bad IP checksum");
    }

    [Benchmark(OperationsPerInvoke = N, Baseline = true)]
    public uint Cookie()
    {
        uint x = 0;
        for (uint i = 0; i < N; i++) x ^= _cookie.Compute(0xC6130002, 0xC6120000 + i, 61000, 80);
        return x;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public int TemplatePatch()
    {
        int n = 0;
        for (uint i = 0; i < N; i++) n += _template.Write(_frame, 0xC6120000 + i, 61000, 80, i, (ushort)i);
        return n;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public int WholeProbe()
    {
        int n = 0;
        for (ulong i = 0; i < N; i++)
        {
            _space.Decode(i * 7919, out UInt128 address, out ushort dport);
            uint dst = Ip.ToV4(address);
            ushort sport = (ushort)(61000 + i % 4536);
            uint seq = _cookie.Compute(0xC6130002, dst, sport, dport);
            n += _template.Write(_frame, dst, sport, dport, seq, (ushort)(seq >> 16));
        }
        return n;
    }
}

/// <summary>One step of the scan order: the keyed permutation of a large space (cycle-walk included).</summary>
[MemoryDiagnoser]
public class PermutationBenchmarks
{
    private const int N = 1024;
    private readonly RawScan.Permutation.FeistelPermutation _p = new((1UL << 32) * 65535, 1);

    [Benchmark(OperationsPerInvoke = N)]
    public ulong Step()
    {
        ulong x = 0;
        for (ulong i = 0; i < N; i++) x ^= _p[i * 1_000_003];
        return x;
    }
}
