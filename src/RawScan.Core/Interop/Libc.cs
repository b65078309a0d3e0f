using System.Runtime.InteropServices;

namespace RawScan.Interop;

/// <summary>The C library calls RawScan needs beside libpcap: poll for the receive loop, madvise for large tables.</summary>
internal static unsafe partial class Libc
{
    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    internal const short POLLIN = 0x1;

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    internal static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    internal const int MADV_HUGEPAGE = 14;

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    internal static partial int Madvise(void* address, nuint length, int advice);
}
