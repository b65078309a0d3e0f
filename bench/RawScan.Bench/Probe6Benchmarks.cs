using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using RawScan.Probes;
using RawScan.Targets;

namespace RawScan.Bench;

/// <summary>
/// The per-probe work of an IPv6 scan against the same work over IPv4 (issue 13 asks IPv6's probes/s
/// within 20% of IPv4's): the cookie (SipHash over 40 bytes against 16), the SYN template's patch, a
/// whole SYN (cookie + patch), and a DNS probe over UDP, each beside its IPv4 twin (the ratio of a
/// pair is the figure to read). Each must allocate nothing ([MemoryDiagnoser]: 0 B).
/// </summary>
[MemoryDiagnoser]
public class Probe6Benchmarks
{
    private const int N = 1024;
    private const uint Src4 = 0xC6130002, Dst4 = 0xC6120000;
    private static readonly UInt128 Src6 = Ipv6.Parse("2001:db8:ff::2"), Dst6 = Ipv6.Parse("2001:db8:1::");
    private readonly byte[] _frame = new byte[1600];
    private readonly SynCookie _cookie = new(1, 2);
    private TcpTemplate _tcp4 = null!;
    private Tcp6Template _tcp6 = null!;
    private UdpTemplate _udp4 = null!;
    private Udp6Template _udp6 = null!;
    private IUdpProbe _dns = null!;

    [GlobalSetup]
    public void Setup()
    {
        byte[] src = [2, 0, 0, 0, 0, 2], dst = [2, 0, 0, 0, 0, 1];
        _tcp4 = new TcpTemplate(src, dst, Src4);
        _tcp6 = new Tcp6Template(src, dst, Src6);
        _udp4 = new UdpTemplate(src, dst, Src4);
        _udp6 = new Udp6Template(src, dst, Src6);
        _dns = UdpPayloadTable.BuiltIn.Single(b => b.Probe.Name == "dns").Probe;
        // Checked result: the patched IPv6 frames must carry valid checksums, or the figures mean nothing.
        int n = _tcp6.Write(_frame, Dst6 + 7, 61000, 80, 0x9e3779b9);
        if (Checksum.Fold(Checksum.Add(_frame.AsSpan(Tcp6Template.TcpOffset, n - Tcp6Template.TcpOffset),
                Checksum.PseudoHeader6(Src6, Dst6 + 7, 6, n - Tcp6Template.TcpOffset))) != 0xffff)
            throw new InvalidOperationException("bad TCP checksum");
        n = _udp6.Write(_frame, Dst6 + 7, 61000, 53, _dns, 0x9e3779b9);
        int udpLength = BinaryPrimitives.ReadUInt16BigEndian(_frame.AsSpan(Udp6Template.UdpOffset + 4));
        if (udpLength != n - Udp6Template.UdpOffset
            || Checksum.Fold(Checksum.Add(_frame.AsSpan(Udp6Template.UdpOffset, udpLength), Checksum.PseudoHeader6(Src6, Dst6 + 7, 17, udpLength))) != 0xffff)
            throw new InvalidOperationException("bad UDP checksum");
    }

    [Benchmark(OperationsPerInvoke = N)]
    public uint Cookie4()
    {
        uint x = 0;
        for (uint i = 0; i < N; i++) x ^= _cookie.Compute(Src4, Dst4 + i, 61000, 80);
        return x;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public uint Cookie6()
    {
        uint x = 0;
        for (uint i = 0; i < N; i++) x ^= _cookie.Compute(Src6, Dst6 + i, 61000, 80);
        return x;
    }

    /// <summary>The cookie as the send loop takes it: the scan's one source absorbed once (SynCookie.For).</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public uint Cookie6SourceAbsorbed()
    {
        var cookie = _cookie.For(Src6);
        uint x = 0;
        for (uint i = 0; i < N; i++) x ^= cookie.Compute(Dst6 + i, 61000, 80);
        return x;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public int SynPatch4()
    {
        int n = 0;
        for (uint i = 0; i < N; i++) n += _tcp4.Write(_frame, Dst4 + i, 61000, 80, i, (ushort)i);
        return n;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public int SynPatch6()
    {
        int n = 0;
        for (uint i = 0; i < N; i++) n += _tcp6.Write(_frame, Dst6 + i, 61000, 80, i);
        return n;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public int WholeSyn4()
    {
        int n = 0;
        for (uint i = 0; i < N; i++)
        {
            uint seq = _cookie.Compute(Src4, Dst4 + i, (ushort)(61000 + (i & 1023)), 80);
            n += _tcp4.Write(_frame, Dst4 + i, (ushort)(61000 + (i & 1023)), 80, seq, (ushort)(seq >> 16));
        }
        return n;
    }

    /// <summary>As the send loop writes a SYN: the cookie with the source absorbed once, then the patch.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public int WholeSyn6()
    {
        var cookie = _cookie.For(Src6);
        int n = 0;
        for (uint i = 0; i < N; i++)
        {
            var dst = Dst6 + i;
            uint seq = cookie.Compute(dst, (ushort)(61000 + (i & 1023)), 80);
            n += _tcp6.Write(_frame, dst, (ushort)(61000 + (i & 1023)), 80, seq);
        }
        return n;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public int DnsProbe4()
    {
        int n = 0;
        for (uint i = 0; i < N; i++) n += _udp4.Write(_frame, Dst4 + i, 61000, 53, (ushort)i, _dns, i * 0x9e3779b9);
        return n;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public int DnsProbe6()
    {
        int n = 0;
        for (uint i = 0; i < N; i++) n += _udp6.Write(_frame, Dst6 + i, 61000, 53, _dns, i * 0x9e3779b9);
        return n;
    }
}
