using System.Runtime.InteropServices;

namespace RawScan.Interop;

/// <summary>
/// libpcap, bound directly (SharpPcap is not available here, and the hot path needs no object per
/// packet). Signatures follow pcap/pcap.h of libpcap 1.10; pointers stay pointers.
/// </summary>
internal static unsafe partial class Pcap
{
    internal const string Library = "pcap";
    internal const int ErrbufSize = 256;

    internal const int PCAP_D_IN = 1;
    internal const int DLT_EN10MB = 1;

    [StructLayout(LayoutKind.Sequential)]
    internal struct PacketHeader
    {
        public CLong TvSec;   // struct timeval: two C longs (32-bit on Windows, 64-bit on LP64 Unix)
        public CLong TvUsec;
        public uint CapLen;
        public uint Len;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct BpfProgram
    {
        public uint Length;
        public nint Instructions;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct Stat
    {
        public uint Received;
        public uint Dropped;     // dropped by the kernel for lack of buffer space: a capture we lost
        public uint IfDropped;
    }

    [LibraryImport(Library, EntryPoint = "pcap_create", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial PcapHandle Create(string source, byte* errbuf);

    [LibraryImport(Library, EntryPoint = "pcap_set_snaplen")] internal static partial int SetSnaplen(PcapHandle p, int snaplen);
    [LibraryImport(Library, EntryPoint = "pcap_set_promisc")] internal static partial int SetPromisc(PcapHandle p, int promisc);
    [LibraryImport(Library, EntryPoint = "pcap_set_immediate_mode")] internal static partial int SetImmediateMode(PcapHandle p, int immediate);
    [LibraryImport(Library, EntryPoint = "pcap_set_timeout")] internal static partial int SetTimeout(PcapHandle p, int ms);
    [LibraryImport(Library, EntryPoint = "pcap_set_buffer_size")] internal static partial int SetBufferSize(PcapHandle p, int bytes);
    [LibraryImport(Library, EntryPoint = "pcap_activate")] internal static partial int Activate(PcapHandle p);
    [LibraryImport(Library, EntryPoint = "pcap_geterr")] internal static partial nint GetErr(PcapHandle p);
    [LibraryImport(Library, EntryPoint = "pcap_statustostr")] internal static partial nint StatusToStr(int status);
    [LibraryImport(Library, EntryPoint = "pcap_datalink")] internal static partial int Datalink(PcapHandle p);
    [LibraryImport(Library, EntryPoint = "pcap_setdirection")] internal static partial int SetDirection(PcapHandle p, int direction);

    [LibraryImport(Library, EntryPoint = "pcap_compile", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Compile(PcapHandle p, BpfProgram* program, string filter, int optimize, uint netmask);
    [LibraryImport(Library, EntryPoint = "pcap_setfilter")] internal static partial int SetFilter(PcapHandle p, BpfProgram* program);
    [LibraryImport(Library, EntryPoint = "pcap_freecode")] internal static partial void FreeCode(BpfProgram* program);

    [LibraryImport(Library, EntryPoint = "pcap_inject")] internal static partial int Inject(PcapHandle p, byte* frame, nuint size);
    [LibraryImport(Library, EntryPoint = "pcap_next_ex")] internal static partial int NextEx(PcapHandle p, PacketHeader** header, byte** data);
    [LibraryImport(Library, EntryPoint = "pcap_stats")] internal static partial int Stats(PcapHandle p, Stat* stat);
    [LibraryImport(Library, EntryPoint = "pcap_setnonblock")] internal static partial int SetNonBlock(PcapHandle p, int nonblock, byte* errbuf);
    [LibraryImport(Library, EntryPoint = "pcap_get_selectable_fd")] internal static partial int GetSelectableFd(PcapHandle p);
    [LibraryImport(Library, EntryPoint = "pcap_close")] internal static partial void Close(nint p);
    [LibraryImport(Library, EntryPoint = "pcap_lib_version")] internal static partial nint LibVersion();
}
