using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using RawScan.Interop;

namespace RawScan.Transmit;

/// <summary>
/// The batched Linux send path: a whole <see cref="FrameBatch"/> crosses to native code in one call
/// and to the kernel in one sendmmsg (or one TX-ring flush), zmap send-linux.c's way. libpcap has no
/// batched send, so <see cref="PcapSink"/> pays a syscall and a P/Invoke per frame; on this machine
/// that is 613k pps (sendto) against 842k pps (sendmmsg of 64), /work/shared/reference/txbench.c.
/// Linux only: a scan reaches it through <see cref="BatchedSender"/>; <see cref="TryOpen(string, bool, out string?)"/>
/// answers null elsewhere, and a sink exists only where it opened.
/// </summary>
public sealed unsafe class NativeSink : IFrameSink, ICountsBackpressure
{
    private readonly RawscanTxHandle _tx;
    private readonly int _maxBatch;

    private NativeSink(RawscanTxHandle tx, string iface, int maxBatch, bool txRing)
    {
        _tx = tx;
        _maxBatch = maxBatch;
        Interface = iface;
        Name = txRing ? "native-txring" : "native";
    }

    public string Name { get; }
    public string Interface { get; }

    /// <summary>
    /// Opens an AF_PACKET socket bound to <paramref name="iface"/>, or returns null with the reason
    /// (no librawscan_native.so, not Linux, no CAP_NET_RAW, no such interface) so the caller can fall
    /// back to libpcap.
    /// </summary>
    /// <param name="qdiscBypass">PACKET_QDISC_BYPASS: frames go to the driver without the qdisc (and without tc).</param>
    public static NativeSink? TryOpen(string iface, bool qdiscBypass, out string? error) =>
        TryOpen(iface, qdiscBypass, txRing: false, out error);

    /// <param name="txRing">PACKET_TX_RING: frames are copied into a mapped ring and flushed by one send().</param>
    public static NativeSink? TryOpen(string iface, bool qdiscBypass, bool txRing, out string? error)
    {
        ArgumentNullException.ThrowIfNull(iface);
        if (!OperatingSystem.IsLinux())
        {
            error = "the native send path is Linux only";
            return null;
        }
        try
        {
            int abi = RawscanNative.AbiVersion();
            if (abi != RawscanNative.Abi)
            {
                error = $"{RawscanNative.FileName} has ABI {abi}, this RawScan needs {RawscanNative.Abi}";
                return null;
            }
            byte* err = stackalloc byte[RawscanNative.ErrSize];
            int flags = (qdiscBypass ? RawscanNative.QdiscBypass : 0) | (txRing ? RawscanNative.TxRing : 0);
            int rc = RawscanNative.Open(iface, flags, out var tx, err, RawscanNative.ErrSize);
            if (rc < 0)
            {
                tx.Dispose();
                string text = Marshal.PtrToStringUTF8((nint)err) is { Length: > 0 } s ? s : Marshal.GetPInvokeErrorMessage(-rc);
                error = $"native send path on {iface}: {text}";
                return null;
            }
            error = null;
            return new NativeSink(tx, iface, RawscanNative.MaxBatch(), txRing);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            error = e.Message;
            return null;
        }
    }

    /// <summary>
    /// Sends the batch in one native call (a batch larger than the native maximum, 1024, in several).
    /// A full queue is backpressure, not failure: the native side waits it out briefly, and if it is
    /// still full this side sleeps and sends the rest, for as long as the queue keeps moving. Only a
    /// queue stuck for <see cref="StuckLimit"/>, or another error, throws. Every frame of the batch
    /// leaves, so none is mistaken for a probe the network lost.
    /// </summary>
    [SupportedOSPlatform("linux")]                 // an instance exists only where TryOpen succeeded
    public int Send(FrameBatch batch)
    {
        const int ENOBUFS = 105, EAGAIN = 11;
        int count = batch.Count;
        if (count == 0) return 0;
        ReadOnlySpan<int> lengths = batch.Lengths;
        int sent = 0;
        long stuckSince = 0;
        fixed (byte* frames = batch.Buffer)
        fixed (int* lens = lengths)
        {
            while (sent < count)
            {
                int n = Math.Min(count - sent, _maxBatch);
                int r = RawscanNative.Send(_tx, frames + (nint)sent * batch.Stride, batch.Stride, lens + sent, n);
                if (r > 0) { sent += r; stuckSince = 0; }
                if (r == n) continue;
                if (r < 0 && -r is not (ENOBUFS or EAGAIN)) ThrowSendFailed(-r);
                // The queue is full: let it drain. Counted, so a summary can say the path pushed back.
                long now = System.Diagnostics.Stopwatch.GetTimestamp();
                if (stuckSince == 0) stuckSince = now;
                else if (System.Diagnostics.Stopwatch.GetElapsedTime(stuckSince, now) > StuckLimit) ThrowSendFailed(ENOBUFS);
                Backpressure++;
                Thread.Sleep(1);
            }
        }
        return sent;
    }

    /// <summary>How long a queue may take no frame at all before the interface is taken for gone.</summary>
    public static readonly TimeSpan StuckLimit = TimeSpan.FromSeconds(5);

    /// <summary>Times the queue was full and the sender slept.</summary>
    public long Backpressure { get; private set; }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowSendFailed(int errno) =>
        throw new IOException($"sending on {Interface} failed: {Marshal.GetPInvokeErrorMessage(errno)}");

    public void Dispose() => _tx.Dispose();
}
