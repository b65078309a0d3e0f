using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using RawScan.Banners;
using RawScan.Probes;
using RawScan.Receive;
using RawScan.Registry;
using RawScan.Results;
using RawScan.Sessions;
using RawScan.Targets;
using RawScan.Transmit;

namespace RawScan.Bench;

/// <summary>
/// --banners' per-connection work on the receive thread, for a server that greets (ssh on 22): the
/// SYN-ACK opens a connection (our ACK written), the greeting is taken, found whole, named (a banner
/// seen before: from the identifier's cache) and the connection reset and reported; segments handed to
/// a sink that drops them, once per 64. Allocation per connection should be none.
/// </summary>
[MemoryDiagnoser]
public class BannerBenchmarks
{
    private const int N = 1024;
    private const uint Me = 0xC6130002;
    private readonly byte[][] _synAcks = new byte[N][], _greetings = new byte[N][];
    private BannerGrabber _grabber = null!;

    private sealed class Drop : IFrameSink, IResultSink
    {
        public long Frames, Results;
        public string Name => "drop";
        public int Send(FrameBatch batch) { Frames += batch.Count; return batch.Count; }
        public void Dispose() { }
        public void OnResult(in PortResult result) => Results++;
        public void OnService(in PortResult result, ServiceFinding service) => Results++;
    }

    private readonly Drop _drop = new();

    [GlobalSetup]
    public void Setup()
    {
        var cookie = new SynCookie(1, 2);
        var probes = new ProbeBuilder(new TcpTemplate(new byte[6], new byte[6], Me), cookie);
        var identifier = new ServiceIdentifier(ServiceRegistry.Default);
        _grabber = new BannerGrabber(new BannerOptions { Connections = N, MaxBytes = 4096, Identifier = identifier },
            new SegmentWriter(new byte[6], new byte[6], Me), probes, new SourcePorts(61000, 65535), _drop, new BannerCounters(), _drop);
        for (int i = 0; i < N; i++)
        {
            uint src = 0xC6120000u + (uint)i, iss = cookie.Compute(Me, src, 61000, 22);
            _synAcks[i] = Segment(src, 0x1000, iss + 1, 0x12, []);
            _greetings[i] = Segment(src, 0x1001, iss + 1, 0x18, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n"u8);
        }
        long before = _drop.Results;
        Connections();
        if (_drop.Results - before != N) throw new InvalidOperationException("the benchmark's connections did not all end: the figures would mean nothing");
    }

    private static byte[] Segment(uint src, uint seq, uint ack, byte flags, ReadOnlySpan<byte> data)
    {
        var f = new byte[54 + data.Length];
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), 0x0800);
        f[14] = 0x45; BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(16), (ushort)(40 + data.Length)); f[22] = 64; f[23] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(26), src);
        BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(30), Me);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(34), 22);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(36), 61000);
        BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(38), seq);
        BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(42), ack);
        f[46] = 0x50; f[47] = flags;
        data.CopyTo(f.AsSpan(54));
        return f;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public long Connections()
    {
        long now = 1;
        for (int i = 0; i < N; i++)
        {
            Packet.TryParse(_synAcks[i], out var p);
            var address = Ip.V4(p.SrcIp);
            _grabber.Open(p, new PortResult(address, Protocol.Tcp, 22, PortState.Open, 64, 0, PortReason.SynAck), address, (ulong)i, now);
        }
        for (int i = 0; i < N; i++)
        {
            Packet.TryParse(_greetings[i], out var p);
            _grabber.TryTake(p, _greetings[i], Ip.V4(p.SrcIp), now);
        }
        _grabber.Flush();
        return _drop.Results;
    }
}
