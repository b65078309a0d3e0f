using BenchmarkDotNet.Attributes;
using TcpPacket = PacketDotNet.TcpPacket;
using RawScan.Interop;
using RawScan.Probes;
using RawScan.Receive;
using RawScan.Transmit;
using SharpPcap;
using SharpPcap.LibPcap;

namespace RawScan.Bench;

/// <summary>
/// The capture path without a wire: a pcap file of SYN-ACKs built by RawScan's own TCP template, read
/// through SharpPcap's offline device. <see cref="PointersAndParse"/> is what the receive loop does per
/// frame (our PcapDevice.Next = SharpPcap's GetNextPacketPointers, then Packet.TryParse); the others are
/// SharpPcap's other ways of reading, for docs/decisions.md. The device is opened per iteration (outside
/// the measurement), so what is allocated per operation is per frame.
/// </summary>
[MemoryDiagnoser]
public class CaptureBenchmarks
{
    private const int N = 1_000_000;   // 70 MB of file: an iteration of 100 ms or more
    private string _path = null!;
    private Interop.PcapDevice _ours = null!;
    private CaptureFileReaderDevice _theirs = null!;

    [GlobalSetup]
    public void Setup()
    {
        _path = Path.Combine(Path.GetTempPath(), $"rawscan-capture-bench-{Environment.ProcessId}.pcap");
        WriteSynAcks(_path, N);
        // Check the file and the parser before any figure is taken: every frame a SYN-ACK from port 80.
        using var check = Interop.PcapDevice.OpenFile(_path);
        int good = 0;
        while (check.Next(out var f, out long ts) == PullResult.Packet)
            if (ts > 0 && Packet.TryParse(f, out var p) && p.SrcPort == 80 && (p.TcpFlags & 0x12) == 0x12) good++;
        if (good != N) throw new InvalidOperationException($"{good} of {N} frames read back as SYN-ACKs: the figures would mean nothing");
    }

    /// <summary>N SYN-ACKs from 198.18.x.y:80 to 198.19.0.2, written by RawScan's template into a pcap file.</summary>
    internal static void WriteSynAcks(string path, int n)
    {
        var template = new TcpTemplate([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2], 0xC6120000, flags: 0x12);
        using var sink = new PcapFileSink(path);
        var batch = new FrameBatch(256);
        for (int i = 0; i < n; i++)
        {
            // The template's source is fixed; the reply's variety is in the ports, sequence and IP id.
            int len = template.Write(batch.Next(), 0xC6130002, 80, (ushort)(61000 + i % 4536), (uint)i * 2654435761u, (ushort)i);
            batch.Commit(len);
            if (batch.IsFull) { sink.Send(batch); batch.Clear(); }
        }
        if (batch.Count > 0) sink.Send(batch);
    }

    [GlobalCleanup]
    public void Cleanup() => File.Delete(_path);

    [IterationSetup(Targets = [nameof(PointersAndParse), nameof(PointersOnly)])]
    public void OpenOurs() => _ours = Interop.PcapDevice.OpenFile(_path);

    [IterationCleanup(Targets = [nameof(PointersAndParse), nameof(PointersOnly)])]
    public void CloseOurs() => _ours.Dispose();

    [IterationSetup(Targets = [nameof(GetNextPacket), nameof(GetNextPacketAndPacketDotNet)])]
    public void OpenTheirs() { _theirs = new CaptureFileReaderDevice(_path); _theirs.Open(); }

    [IterationCleanup(Targets = [nameof(GetNextPacket), nameof(GetNextPacketAndPacketDotNet)])]
    public void CloseTheirs() => _theirs.Close();

    /// <summary>The receive loop's per-frame work up to the matcher: SharpPcap's pointer-level read, our parser.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = N)]
    public int PointersAndParse()
    {
        int n = 0;
        while (_ours.Next(out var frame, out _) == PullResult.Packet)
            if (Packet.TryParse(frame, out var p)) n += p.SrcPort;
        return Check(n / 80);
    }

    [Benchmark(OperationsPerInvoke = N)]
    public int PointersOnly()
    {
        int n = 0;
        while (_ours.Next(out var frame, out _) == PullResult.Packet) n += frame.Length > 0 ? 1 : 0;
        return Check(n);
    }

    /// <summary>SharpPcap's managed read: a PcapHeader object (and its PosixTimeval) per frame.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public int GetNextPacket()
    {
        int n = 0;
        while (_theirs.GetNextPacket(out var e) == GetPacketStatus.PacketRead) n += e.Data.Length > 0 ? 1 : 0;
        return Check(n);
    }

    /// <summary>The same, with the frame copied to a RawCapture and decoded by PacketDotNet.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public int GetNextPacketAndPacketDotNet()
    {
        int n = 0;
        while (_theirs.GetNextPacket(out var e) == GetPacketStatus.PacketRead)
            if (e.GetPacket().GetPacket().Extract<TcpPacket>() is { SourcePort: 80 }) n++;
        return Check(n);
    }

    private static int Check(int n) => n == N ? n : throw new InvalidOperationException($"read {n} of {N} frames");
}
