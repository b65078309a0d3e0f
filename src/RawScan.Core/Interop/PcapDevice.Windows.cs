using System.Runtime.Versioning;
using RawScan.Transmit;
using SharpPcap.LibPcap;

namespace RawScan.Interop;

public sealed partial class PcapDevice
{
    private byte[]? _queueScratch;
    private PcapHeader? _queueHeader;

    /// <summary>
    /// Windows: a whole batch in one call, through Npcap's send queue (pcap_sendqueue_transmit, SharpPcap's
    /// <see cref="SendQueue"/>), the batched send libpcap has nowhere else. UNTESTED: written and compiled on
    /// Linux, never run on Windows (docs/decisions.md). Returns the frames sent; a short transmit ends at
    /// the first frame Npcap refused, and its error is kept in <see cref="LastInjectError"/>.
    /// </summary>
    [SupportedOSPlatform("windows")]
    internal int SendQueued(FrameBatch batch)
    {
        var live = _live ?? throw new InvalidOperationException($"{Interface} is a file: nothing can be sent on it");
        // SendQueue.Add takes a header object and a byte[] at offset 0: one of each, reused for every frame.
        _queueScratch ??= new byte[batch.Stride];
        if (_queueScratch.Length < batch.Stride) _queueScratch = new byte[batch.Stride];
        _queueHeader ??= new PcapHeader(0, 0, 0, 0);
        const int RecordHeader = 16;                              // struct pcap_pkthdr on Windows: a timeval of two 32-bit longs, caplen, len
        using var queue = new SendQueue(Math.Max(1, batch.Count) * (RecordHeader + batch.Stride));
        for (int i = 0; i < batch.Count; i++)
        {
            var frame = batch.Frame(i);
            frame.CopyTo(_queueScratch);
            _queueHeader.CaptureLength = _queueHeader.PacketLength = (uint)frame.Length;
            if (!queue.Add(_queueHeader, _queueScratch)) throw new InvalidOperationException("send queue sized too small for its batch");
        }
        int want = queue.CurrentLength;
        int done = queue.Transmit(live, SendQueueTransmitModes.Normal);
        if (done >= want) return batch.Count;
        // Count the whole records before the first one Npcap did not send.
        LastInjectError = live.LastError;
        int sent = 0;
        var lengths = batch.Lengths;
        for (int at = 0; sent < batch.Count && (at += RecordHeader + lengths[sent]) <= done; sent++) { }
        return sent;
    }
}
