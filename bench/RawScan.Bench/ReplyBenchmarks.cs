using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using RawScan.Match;
using RawScan.Probes;
using RawScan.Receive;

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
        for (int i = 0; i < N; i++)
        {
            uint src = 0xC6120000u + (uint)i;
            var f = new byte[54];
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), 0x0800);
            f[14] = 0x45; BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(16), 40); f[22] = 64; f[23] = 6;
            BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(26), src);
            BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(30), 0xC6130002);
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(34), 80);
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(36), 61000);
            BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(42), cookie.Compute(0xC6130002, src, 61000, 80) + 1);
            f[46] = 0x50; f[47] = 0x12;
            _frames[i] = f;
        }
        if (ParseAndMatch() != N) throw new InvalidOperationException("benchmark replies did not match: the figures would mean nothing");
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
