using RawScan.Interop;

namespace RawScan.Transmit;

/// <summary>
/// The portable send path: pcap_inject, one call per frame (libpcap has no batched send on Linux).
/// A frame the interface refuses (ENOBUFS when the queue is full) is retried briefly, then counted.
/// </summary>
public sealed class PcapSink(PcapDevice device) : IFrameSink
{
    public string Name => "pcap";

    public int Send(FrameBatch batch)
    {
        int sent = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            var frame = batch.Frame(i);
            if (device.Inject(frame)) { sent++; continue; }
            Thread.Yield();
            if (device.Inject(frame)) sent++;
            else throw new IOException($"sending on {device.Interface} failed: {device.LastInjectError}");
        }
        return sent;
    }

    public void Dispose() => device.Dispose();
}
