using System.Runtime.InteropServices;
using SharpPcap;
using SharpPcap.LibPcap;
using SpDevice = SharpPcap.LibPcap.PcapDevice;
using SpException = SharpPcap.PcapException;

namespace RawScan.Interop;

/// <summary>Thrown when libpcap refuses: its own words (pcap_geterr, pcap_statustostr) are in the message.</summary>
public sealed class PcapException(string message) : Exception(message);

/// <summary>
/// Options for a live capture handle. Every one is given to libpcap explicitly: SharpPcap's defaults
/// (snap length 65,536, read timeout 1 s, immediate mode left to libpcap) suit a sniffer, not a scanner.
/// </summary>
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
public enum PullResult { Packet, Timeout, EndOfFile }

/// <summary>
/// A libpcap handle on one interface (or, for benchmarks and tests, a pcap file), opened and configured
/// through SharpPcap: inject frames, pull captured frames, read the kernel's drop counter. Pulled frames
/// are spans over libpcap's buffer, valid until the next pull. The pull is SharpPcap's pointer-level
/// call and the wait our own poll(2), so nothing is allocated per packet (docs/decisions.md).
/// </summary>
public sealed unsafe partial class PcapDevice : IDisposable
{
    private readonly SpDevice _device;
    private readonly LibPcapLiveDevice? _live;       // null for a file
    private readonly int _fd;                        // the selectable descriptor (Linux); -1 for a file, or elsewhere (PcapDevice.Linux.cs)
    private int _wakeFd = -1;                        // Linux: an eventfd polled beside _fd, made readable by Wake

    private PcapDevice(SpDevice device, string name)
    {
        _device = device;
        _live = device as LibPcapLiveDevice;
        Interface = name;
        _fd = _live is not null && OperatingSystem.IsLinux() ? SelectableFd(device) : -1;
        if (_fd >= 0 && OperatingSystem.IsLinux()) _wakeFd = MakeWakeFd();
    }

    public string Interface { get; }

    public static string Version => SharpPcap.Pcap.Version;

    public static PcapDevice Open(string iface, PcapOptions options)
    {
        var live = Find(iface);
        var config = new DeviceConfiguration
        {
            Snaplen = options.Snaplen,
            Mode = options.Promiscuous ? DeviceModes.Promiscuous : DeviceModes.None,
            ReadTimeout = options.TimeoutMs,
            Immediate = options.Immediate,
            BufferSize = options.BufferBytes,
        };
        try
        {
            live.Open(config);
        }
        catch (SpException e)
        {
            // SharpPcap's message lacks libpcap's reason; the created handle still holds it until closed.
            string reason = ActivationText(live, (int)e.Error);
            live.Close();
            throw new PcapException($"cannot capture on {iface}: {reason}");
        }
        catch (PlatformNotSupportedException e)
        {
            live.Close();
            throw new PcapException($"cannot capture on {iface}: {e.Message}");
        }
        var dev = new PcapDevice(live, iface);
        try
        {
            if ((int)live.LinkType != PcapExtras.DLT_EN10MB)
                throw new PcapException($"{iface} is not an Ethernet interface (DLT {(int)live.LinkType})");
            if (options.InboundOnly)
            {
                if (PcapExtras.SetDirection(live.Handle, PcapExtras.PCAP_D_IN) != 0)
                    throw new PcapException($"pcap_setdirection({iface}): {live.LastError}");
                if (OperatingSystem.IsLinux()) dev.IgnoreOutgoing();
            }
            if (options.Filter is not null) dev.SetFilter(options.Filter);
            if (options.NonBlocking)
            {
                try { live.NonBlockingMode = true; }
                catch (SpException e) { throw new PcapException($"pcap_setnonblock({iface}): {e.Message}"); }
            }
            return dev;
        }
        catch
        {
            dev.Dispose();
            throw;
        }
    }

    /// <summary>A pcap file read through SharpPcap's offline device: the capture path without a wire (benchmarks, tests).</summary>
    internal static PcapDevice OpenFile(string path)
    {
        var file = new CaptureFileReaderDevice(path);
        try { file.Open(); }
        catch (SpException e) { throw new PcapException($"cannot read {path}: {e.Message}"); }
        return new PcapDevice(file, path);
    }

    /// <summary>
    /// The device by its name, from libpcap's list (pcap_findalldevs; SharpPcap builds a device only
    /// from an entry of it). A fresh list each time: interfaces come and go (the lab's veths).
    /// </summary>
    private static LibPcapLiveDevice Find(string iface)
    {
        LibPcapLiveDeviceList list;
        try { list = LibPcapLiveDeviceList.New(); }
        catch (SpException e) { throw new PcapException($"cannot list capture devices: {e.Message}"); }
        foreach (var d in list)
            if (d.Name == iface) return d;
        throw new PcapException($"cannot capture on {iface}: no such device (have: {string.Join(", ", list.Select(d => d.Name))})");
    }

    /// <summary>libpcap's words for a failed activation: pcap_statustostr, then pcap_geterr when it adds something.</summary>
    private static string ActivationText(LibPcapLiveDevice live, int status)
    {
        string status_ = PcapExtras.StatusText(status);
        string err = live.Handle.IsInvalid || live.Handle.IsClosed ? "" : live.LastError;
        return string.IsNullOrEmpty(err) || err == status_ ? status_ : $"{status_}: {err}";
    }

    public void SetFilter(string filter)
    {
        try { _device.Filter = filter; }
        catch (SpException e) { throw new PcapException($"bad capture filter '{filter}': {e.Message}"); }
    }

    /// <summary>Puts one frame on the wire (pcap_sendpacket). Returns false if the interface refused it (the error is kept in <see cref="LastInjectError"/>).</summary>
    public bool Inject(ReadOnlySpan<byte> frame)
    {
        var live = _live ?? throw new InvalidOperationException($"{Interface} is a file: nothing can be sent on it");
        try
        {
            live.SendPacket(frame);
            return true;
        }
        catch (SpException)
        {
            // The rare path (a full queue, a vanished interface): the exception is SharpPcap's way of
            // saying pcap_sendpacket returned -1; libpcap's text is still in the handle.
            LastInjectError = live.LastError;
            return false;
        }
    }

    public string? LastInjectError { get; private set; }

    /// <summary>
    /// Pulls the next captured frame; a span over libpcap's buffer, valid until the next call.
    /// SharpPcap's GetNextPacketPointers is pcap_next_ex and nothing else: no poll before it, no header
    /// object (its GetNextPacket allocates 64 bytes a frame, and on a live device polls up to 500 ms first).
    /// </summary>
    public PullResult Next(out ReadOnlySpan<byte> frame, out long timestampMicros)
    {
        nint header = 0, data = 0;
        int rc = _device.GetNextPacketPointers(ref header, ref data);
        if (rc == 1)
        {
            var hdr = (PcapExtras.PacketHeader*)header;
            frame = new ReadOnlySpan<byte>((void*)data, (int)hdr->CapLen);
            timestampMicros = (long)hdr->TvSec.Value * 1_000_000 + (long)hdr->TvUsec.Value;
            return PullResult.Packet;
        }
        frame = default;
        timestampMicros = 0;
        if (rc == 0) return PullResult.Timeout;
        if (rc == PcapExtras.PCAP_ERROR_BREAK && _live is null) return PullResult.EndOfFile;
        throw new PcapException($"capture on {Interface} failed: {_device.LastError}");
    }

    /// <summary>
    /// Waits until a frame may be ready or <paramref name="timeoutMs"/> passes: on Linux poll(2) on the
    /// capture's descriptor (PcapDevice.Linux.cs), elsewhere a sleep (a Windows port waits on
    /// pcap_getevent's handle instead). With a non-blocking handle this is the loop's only wait, so it always returns.
    /// </summary>
    public void Wait(int timeoutMs)
    {
        if (OperatingSystem.IsLinux() && _fd >= 0) PollReadable(timeoutMs);
        else Thread.Sleep(timeoutMs);
    }

    /// <summary>
    /// Makes <see cref="Wait"/> return at once, now and from here on: a loop being stopped leaves at once
    /// instead of at its next timeout (up to 10 ms of every scan's end). Linux only; elsewhere the wait
    /// still ends by its timeout.
    /// </summary>
    public void Wake()
    {
        if (OperatingSystem.IsLinux()) WakeLinux();
    }

    /// <summary>
    /// Frames the kernel dropped for want of ring space (pcap_stats' ps_drop), or 0 when unknown.
    /// SharpPcap returns a new statistics object each call: call it per idle wake, not per packet.
    /// </summary>
    public uint Dropped()
    {
        if (_live is null) return 0;
        try { return _live.Statistics.DroppedPackets; }
        catch (StatisticsException) { return 0; }
    }

    public void Dispose()
    {
        _device.Close();
        if (OperatingSystem.IsLinux()) CloseWake();
    }
}
