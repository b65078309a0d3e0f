using System.Runtime.InteropServices;
using SharpPcap.LibPcap;

namespace RawScan.Interop;

/// <summary>
/// What SharpPcap 6.3.1 does not offer, bound on its handle (<see cref="SharpPcap.LibPcap.PcapDevice.Handle"/>):
/// the capture direction, the selectable descriptor (SharpPcap keeps it internal, and waits on it itself
/// with a poll of up to 500 ms before every read), libpcap's text for an activation status (SharpPcap
/// says only "Unable to activate the adapter"), and the layout of the pcap_pkthdr that its pointer-level
/// read hands back. The library is the one SharpPcap loads: both resolve the same soname
/// (<see cref="NativeLibraries"/>), and dlopen returns the one copy already loaded.
/// </summary>
internal static unsafe partial class PcapExtras
{
    internal const string Library = "pcap";

    internal const int PCAP_D_IN = 1;
    internal const int DLT_EN10MB = 1;
    internal const int PCAP_ERROR_BREAK = -2;   // pcap_next_ex: no more packets in a savefile

    /// <summary>struct pcap_pkthdr (pcap/pcap.h): a struct timeval (two C longs: 32-bit on Windows, 64-bit on LP64 Unix), caplen, len.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct PacketHeader
    {
        public CLong TvSec;
        public CLong TvUsec;
        public uint CapLen;
        public uint Len;
    }

    [LibraryImport(Library, EntryPoint = "pcap_setdirection")] internal static partial int SetDirection(PcapHandle p, int direction);
    [LibraryImport(Library, EntryPoint = "pcap_get_selectable_fd")] internal static partial int GetSelectableFd(PcapHandle p);
    [LibraryImport(Library, EntryPoint = "pcap_statustostr")] internal static partial nint StatusToStr(int status);

    internal static string StatusText(int status) => Marshal.PtrToStringUTF8(StatusToStr(status)) ?? $"libpcap status {status}";
}
