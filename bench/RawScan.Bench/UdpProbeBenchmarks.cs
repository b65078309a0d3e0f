using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using RawScan.Probes;

namespace RawScan.Bench;

/// <summary>
/// A UDP probe as the send loop writes it: the template's headers, the port's payload with the cookie
/// in it, and the UDP checksum summed over that payload. The baseline writes an empty payload, so the
/// ratio is what each protocol's payload costs. Each must allocate nothing ([MemoryDiagnoser]: 0 B).
/// </summary>
[MemoryDiagnoser]
public class UdpProbeBenchmarks
{
    private const int N = 1024;
    private const uint Src = 0xC6130002, Dst = 0xC6120000;
    private readonly byte[] _frame = new byte[UdpTemplate.HeaderLength + UdpTemplate.MaxPayload];
    private UdpTemplate _template = null!;
    private IUdpProbe _probe = null!;
    private ushort _port;

    public static IEnumerable<string> Names => UdpPayloadTable.BuiltIn.Select(b => b.Probe.Name);

    [ParamsSource(nameof(Names))]
    public string Probe { get; set; } = "dns";

    [GlobalSetup]
    public void Setup()
    {
        (_port, _probe) = UdpPayloadTable.BuiltIn.Single(b => b.Probe.Name == Probe);
        _template = new UdpTemplate([2, 0, 0, 0, 0, 2], [2, 0, 0, 0, 0, 1], Src);
        // Checked result: the frame must carry valid checksums and lengths, or the figures mean nothing.
        foreach (uint cookie in new uint[] { 0, 0xffffffff, 0x9e3779b9 })
        {
            int length = _template.Write(_frame, Dst + 1, 61000, _port, 7, _probe, cookie);
            int udpLength = length - UdpTemplate.UdpOffset;
            if (Checksum.Compute(_frame.AsSpan(UdpTemplate.IpOffset, 20)) != 0) throw new InvalidOperationException("bad IP checksum");
            if (BinaryPrimitives.ReadUInt16BigEndian(_frame.AsSpan(UdpTemplate.UdpOffset + 4)) != udpLength) throw new InvalidOperationException("bad UDP length");
            if (Checksum.Finish(Checksum.Add(_frame.AsSpan(UdpTemplate.UdpOffset, udpLength), Checksum.PseudoHeader(Src, Dst + 1, 17, udpLength))) != 0)
                throw new InvalidOperationException("bad UDP checksum");
        }
    }

    [Benchmark(OperationsPerInvoke = N, Baseline = true)]
    public int EmptyPayload()
    {
        int n = 0;
        for (uint i = 0; i < N; i++) n += _template.Write(_frame, Dst + i, 61000, _port, (ushort)i, EmptyUdpProbe.Instance, i * 0x9e3779b9);
        return n;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public int WithPayload()
    {
        int n = 0;
        for (uint i = 0; i < N; i++) n += _template.Write(_frame, Dst + i, 61000, _port, (ushort)i, _probe, i * 0x9e3779b9);
        return n;
    }
}
