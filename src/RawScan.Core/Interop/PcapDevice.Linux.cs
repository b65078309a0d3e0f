using System.Runtime.Versioning;
using SpDevice = SharpPcap.LibPcap.PcapDevice;

namespace RawScan.Interop;

/// <summary>
/// Linux's part of the capture: the selectable descriptor, waited on with poll(2), and
/// PACKET_IGNORE_OUTGOING set on it. Elsewhere the device has no descriptor and waits by sleeping;
/// a Windows port adds PcapDevice.Windows.cs's wait on pcap_getevent's handle.
/// </summary>
public sealed unsafe partial class PcapDevice
{
    /// <summary>The capture's descriptor (pcap_get_selectable_fd, which SharpPcap keeps internal).</summary>
    [SupportedOSPlatform("linux")]
    private static int SelectableFd(SpDevice device) => PcapExtras.GetSelectableFd(device.Handle);

    /// <summary>poll(2) on the descriptor and the wake eventfd: EINTR or an error returns too, and the caller pulls and waits again.</summary>
    [SupportedOSPlatform("linux")]
    private void PollReadable(int timeoutMs)
    {
        var fds = stackalloc Libc.PollFd[2];
        fds[0] = new Libc.PollFd { Fd = _fd, Events = Libc.POLLIN };
        fds[1] = new Libc.PollFd { Fd = _wakeFd, Events = Libc.POLLIN };
        Libc.Poll(fds, _wakeFd >= 0 ? 2u : 1u, timeoutMs);
    }

    /// <summary>An eventfd beside the capture's descriptor, for <see cref="Wake"/>; -1 if none could be made (waits then end by their timeout).</summary>
    [SupportedOSPlatform("linux")]
    private static int MakeWakeFd() => Math.Max(-1, Libc.EventFd(0, Libc.EFD_NONBLOCK | Libc.EFD_CLOEXEC));

    /// <summary>Makes the eventfd readable, for good: nobody reads it, so every wait from now on returns at once.</summary>
    [SupportedOSPlatform("linux")]
    private void WakeLinux()
    {
        if (_wakeFd < 0) return;
        ulong one = 1;
        Libc.Write(_wakeFd, &one, sizeof(ulong));
    }

    [SupportedOSPlatform("linux")]
    private void CloseWake()
    {
        int fd = Interlocked.Exchange(ref _wakeFd, -1);
        if (fd >= 0) Libc.Close(fd);
    }

    /// <summary>
    /// libpcap 1.10 keeps PCAP_D_IN in user space: the kernel still clones every frame we send into the
    /// capture socket, where the filter throws it away (6% of the send thread in a /20 scan). Linux 4.20
    /// and later skip such a socket for outgoing frames altogether (PACKET_IGNORE_OUTGOING). Where that
    /// is refused (an older kernel), libpcap's own check still keeps them out: nothing lost.
    /// </summary>
    [SupportedOSPlatform("linux")]
    private void IgnoreOutgoing()
    {
        if (_fd < 0) return;
        int on = 1;
        Libc.SetSockOpt(_fd, Libc.SOL_PACKET, Libc.PACKET_IGNORE_OUTGOING, &on, sizeof(int));
    }

    /// <summary>Whether the kernel skips this capture for frames we send (PACKET_IGNORE_OUTGOING is set); false off Linux.</summary>
    internal bool IgnoresOutgoing
    {
        get
        {
            int value = 0;
            uint length = sizeof(int);
            return OperatingSystem.IsLinux() && _fd >= 0
                && Libc.GetSockOpt(_fd, Libc.SOL_PACKET, Libc.PACKET_IGNORE_OUTGOING, &value, &length) == 0 && value != 0;
        }
    }
}
