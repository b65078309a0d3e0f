using System.Runtime.InteropServices;

namespace RawScan.Interop;

/// <summary>Thrown when libpcap refuses: its own words (pcap_geterr) are in the message.</summary>
public sealed class PcapException(string message) : Exception(message);

/// <summary>Options for a live capture handle.</summary>
public sealed record PcapOptions
{
    public int Snaplen { get; init; } = 256;          // headers; the scan's capture keeps whole frames (Scanner.CaptureSnaplen)
    public bool Immediate { get; init; } = true;      // hand packets over at once, not when a block fills
    public int TimeoutMs { get; init; } = 100;        // so a waiting pull returns and the loop can see a stop
    public int BufferBytes { get; init; } = 32 << 20; // a kernel ring that rides out bursts at high rates
    public bool Promiscuous { get; init; }
    public string? Filter { get; init; }
    public bool InboundOnly { get; init; }

    /// <summary>
    /// Pull without blocking, and wait with <see cref="PcapDevice.Wait"/>: libpcap's own wait blocks
    /// with no timeout on some ring versions (TPACKET_V3), so a loop that must notice a stop, or know
    /// that nothing is waiting, cannot rely on it (masscan's "hangs until a packet arrives").
    /// </summary>
    public bool NonBlocking { get; init; }
}

/// <summary>Result of one pull from the capture.</summary>
public enum PullResult { Packet, Timeout }

/// <summary>
/// A live libpcap handle on one interface: inject frames, pull captured frames, read the kernel's
/// drop counters. Pulled frames are spans over libpcap's buffer, valid until the next pull.
/// </summary>
public sealed unsafe class PcapDevice : IDisposable
{
    private readonly PcapHandle _handle;

    private PcapDevice(PcapHandle handle, string iface) { _handle = handle; Interface = iface; }

    public string Interface { get; }

    public static string Version => Marshal.PtrToStringUTF8(Pcap.LibVersion()) ?? "libpcap";

    public static PcapDevice Open(string iface, PcapOptions options)
    {
        byte* errbuf = stackalloc byte[Pcap.ErrbufSize];
        errbuf[0] = 0;
        var h = Pcap.Create(iface, errbuf);
        if (h.IsInvalid)
        {
            h.Dispose();
            throw new PcapException($"pcap_create({iface}): {Marshal.PtrToStringUTF8((nint)errbuf)}");
        }
        var dev = new PcapDevice(h, iface);
        try
        {
            Pcap.SetSnaplen(h, options.Snaplen);
            Pcap.SetPromisc(h, options.Promiscuous ? 1 : 0);
            Pcap.SetImmediateMode(h, options.Immediate ? 1 : 0);
            Pcap.SetTimeout(h, options.TimeoutMs);
            Pcap.SetBufferSize(h, options.BufferBytes);
            int rc = Pcap.Activate(h);
            if (rc < 0) throw new PcapException($"cannot capture on {iface}: {dev.ErrorText(rc)}");
            if (Pcap.Datalink(h) != Pcap.DLT_EN10MB)
                throw new PcapException($"{iface} is not an Ethernet interface (DLT {Pcap.Datalink(h)})");
            if (options.InboundOnly)
            {
                if (Pcap.SetDirection(h, Pcap.PCAP_D_IN) != 0) throw new PcapException($"pcap_setdirection({iface}): {dev.LastError}");
                IgnoreOutgoing(h);
            }
            if (options.Filter is not null) dev.SetFilter(options.Filter);
            if (options.NonBlocking) dev.SetNonBlocking();
            return dev;
        }
        catch
        {
            dev.Dispose();
            throw;
        }
    }

    /// <summary>
    /// libpcap 1.10 keeps PCAP_D_IN in user space: the kernel still clones every frame we send into the
    /// capture socket, where the filter throws it away (6% of the send thread in a /20 scan). Linux 4.20
    /// and later skip such a socket for outgoing frames altogether (PACKET_IGNORE_OUTGOING). Where that
    /// is refused (an older kernel, not Linux), libpcap's own check still keeps them out: nothing lost.
    /// </summary>
    private static unsafe void IgnoreOutgoing(PcapHandle h)
    {
        if (!OperatingSystem.IsLinux()) return;
        int fd = Pcap.GetSelectableFd(h), on = 1;
        if (fd >= 0) Libc.SetSockOpt(fd, Libc.SOL_PACKET, Libc.PACKET_IGNORE_OUTGOING, &on, sizeof(int));
    }

    /// <summary>Whether the kernel skips this capture for frames we send (PACKET_IGNORE_OUTGOING is set).</summary>
    internal bool IgnoresOutgoing
    {
        get
        {
            int fd = Pcap.GetSelectableFd(_handle), value = 0;
            uint length = sizeof(int);
            return OperatingSystem.IsLinux() && fd >= 0
                && Libc.GetSockOpt(fd, Libc.SOL_PACKET, Libc.PACKET_IGNORE_OUTGOING, &value, &length) == 0 && value != 0;
        }
    }

    private string LastError => Marshal.PtrToStringUTF8(Pcap.GetErr(_handle)) ?? "unknown error";

    private string ErrorText(int status)
    {
        string err = LastError;
        string status_ = Marshal.PtrToStringUTF8(Pcap.StatusToStr(status)) ?? status.ToString();
        return string.IsNullOrEmpty(err) ? status_ : $"{status_}: {err}";
    }

    public void SetFilter(string filter)
    {
        Pcap.BpfProgram prog;
        if (Pcap.Compile(_handle, &prog, filter, 1, 0xffffffff) != 0)
            throw new PcapException($"bad capture filter '{filter}': {LastError}");
        try
        {
            if (Pcap.SetFilter(_handle, &prog) != 0) throw new PcapException($"pcap_setfilter: {LastError}");
        }
        finally { Pcap.FreeCode(&prog); }
    }

    /// <summary>Puts one frame on the wire. Returns false if the interface refused it (the error is kept in <see cref="LastInjectError"/>).</summary>
    public bool Inject(ReadOnlySpan<byte> frame)
    {
        fixed (byte* p = frame)
        {
            if (Pcap.Inject(_handle, p, (nuint)frame.Length) >= 0) return true;
        }
        LastInjectError = LastError;
        return false;
    }

    public string? LastInjectError { get; private set; }

    /// <summary>Pulls the next captured frame; a span over libpcap's buffer, valid until the next call.</summary>
    public PullResult Next(out ReadOnlySpan<byte> frame, out long timestampMicros)
    {
        Pcap.PacketHeader* hdr;
        byte* data;
        int rc = Pcap.NextEx(_handle, &hdr, &data);
        if (rc == 1)
        {
            frame = new ReadOnlySpan<byte>(data, (int)hdr->CapLen);
            timestampMicros = (long)hdr->TvSec.Value * 1_000_000 + (long)hdr->TvUsec.Value;
            return PullResult.Packet;
        }
        frame = default;
        timestampMicros = 0;
        if (rc == 0) return PullResult.Timeout;
        throw new PcapException($"capture on {Interface} failed: {LastError}");
    }

    /// <summary>From now on <see cref="Next"/> returns at once when nothing is captured (to drain the ring).</summary>
    public void SetNonBlocking()
    {
        byte* errbuf = stackalloc byte[Pcap.ErrbufSize];
        if (Pcap.SetNonBlock(_handle, 1, errbuf) != 0) throw new PcapException($"pcap_setnonblock: {Marshal.PtrToStringUTF8((nint)errbuf)}");
    }

    /// <summary>
    /// Waits until a frame may be ready or <paramref name="timeoutMs"/> passes: poll(2) on the capture's
    /// descriptor. With a non-blocking handle this is the loop's only wait, so it always returns.
    /// </summary>
    public void Wait(int timeoutMs)
    {
        var fd = new Libc.PollFd { Fd = Pcap.GetSelectableFd(_handle), Events = Libc.POLLIN };
        if (fd.Fd < 0) { Thread.Sleep(timeoutMs); return; }
        Libc.Poll(&fd, 1, timeoutMs);                      // EINTR or an error: the caller pulls and waits again
    }

    public (uint Received, uint Dropped, uint IfDropped) Stats()
    {
        Pcap.Stat s;
        if (Pcap.Stats(_handle, &s) != 0) return (0, 0, 0);
        return (s.Received, s.Dropped, s.IfDropped);
    }

    public void Dispose() => _handle.Dispose();
}
