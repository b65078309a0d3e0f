using RawScan.Interop;

namespace RawScan.Transmit;

/// <summary>
/// The portable send path: SharpPcap's SendPacket (pcap_sendpacket), one call per frame (libpcap has no
/// batched send on Linux; Npcap's send queue on Windows).
/// A frame the interface refuses because its queue is full (ENOBUFS) is sent again once it drains.
/// </summary>
public sealed class PcapSink(PcapDevice device) : IFrameSink
{
    public string Name => "pcap";

    public int Send(FrameBatch batch)
    {
        // Windows (Npcap): the batch in one send queue. Untested: see PcapDevice.SendQueued.
        if (OperatingSystem.IsWindows())
        {
            int queued = device.SendQueued(batch);
            if (queued < batch.Count) throw new IOException($"sending on {device.Interface} failed: {device.LastInjectError}");
            return queued;
        }
        int sent = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            var frame = batch.Frame(i);
            if (device.Inject(frame)) { sent++; continue; }
            // A full queue is backpressure (as in NativeSink): wait for it to drain, give up only if it stays stuck.
            var since = System.Diagnostics.Stopwatch.GetTimestamp();
            while (!device.Inject(frame))
            {
                bool full = device.LastInjectError?.Contains("No buffer space", StringComparison.Ordinal) == true
                         || device.LastInjectError?.Contains("temporarily unavailable", StringComparison.Ordinal) == true;
                if (!full || System.Diagnostics.Stopwatch.GetElapsedTime(since) > NativeSink.StuckLimit)
                    throw new IOException($"sending on {device.Interface} failed: {device.LastInjectError}");
                Thread.Sleep(1);
            }
            sent++;
        }
        return sent;
    }

    public void Dispose() => device.Dispose();
}
