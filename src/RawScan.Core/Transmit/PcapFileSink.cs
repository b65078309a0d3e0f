using System.Buffers.Binary;
using System.Diagnostics;

namespace RawScan.Transmit;

/// <summary>
/// Writes frames to a classic pcap file (microsecond timestamps, LINKTYPE_ETHERNET) instead of the
/// wire: for dry runs, and so tests can have tcpdump or tshark decode exactly what we would send.
/// </summary>
internal sealed class PcapFileSink : IFrameSink
{
    private readonly Stream _out;
    private byte[] _records = new byte[16 + 65535];

    public PcapFileSink(Stream output)
    {
        _out = output;
        Span<byte> h = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(h, 0xa1b2c3d4);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], 65535);
        BinaryPrimitives.WriteUInt32LittleEndian(h[20..], 1);
        _out.Write(h);
    }

    /// <summary>
    /// Unbuffered: each batch is one write, so a full disk fails the batch it hits (the send loop then
    /// stops there and keeps its place) rather than a buffer's flush at the end, after the scan had
    /// counted those frames as written.
    /// </summary>
    public PcapFileSink(string path) : this(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1)) { }

    public string Name => "pcap-file";

    // Records carry wall-clock times, as a capture's do; the clock is read once per batch, monotonic.
    private readonly long _wallMinusMonotonicMicros = StopwatchTime.WallMinusMonotonicMicros();

    public int Send(FrameBatch batch)
    {
        long micros = StopwatchTime.TicksToMicros(Stopwatch.GetTimestamp()) + _wallMinusMonotonicMicros; // one clock read per batch
        int at = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            var frame = batch.Frame(i);
            if (_records.Length < at + 16 + frame.Length) Array.Resize(ref _records, Math.Max(2 * _records.Length, at + 16 + frame.Length)); // grows to one batch's size, once
            var r = _records.AsSpan(at);
            BinaryPrimitives.WriteUInt32LittleEndian(r, (uint)(micros / 1_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(r[4..], (uint)(micros % 1_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(r[8..], (uint)frame.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(r[12..], (uint)frame.Length);
            frame.CopyTo(r[16..]);
            at += 16 + frame.Length;
        }
        _out.Write(_records, 0, at);
        return batch.Count;
    }

    public void Dispose() => _out.Dispose();
}
