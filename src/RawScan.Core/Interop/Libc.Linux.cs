using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace RawScan.Interop;

/// <summary>
/// The C library calls RawScan needs beside libpcap: poll and a socket option for the capture, madvise for
/// large tables, getrandom for keys, an eventfd to wake the capture's wait. Linux's: SOL_PACKET, PACKET_IGNORE_OUTGOING and MADV_HUGEPAGE are its numbers, and
/// "libc" is resolved the Linux way. Every caller checks <see cref="OperatingSystem.IsLinux"/> first
/// (the platform analyzer, CA1416, holds them to it).
/// </summary>
[SupportedOSPlatform("linux")]
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

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    internal static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    internal const int PR_SET_PDEATHSIG = 1;

    [LibraryImport("libc", EntryPoint = "getppid")]
    internal static partial int GetParentPid();

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    internal static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    internal const int MADV_HUGEPAGE = 14;

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    internal static partial int Madvise(void* address, nuint length, int advice);

    internal const int SOL_PACKET = 263, PACKET_IGNORE_OUTGOING = 23;

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    internal static partial int SetSockOpt(int fd, int level, int name, void* value, uint length);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    internal static partial int GetSockOpt(int fd, int level, int name, void* value, uint* length);

    internal const int EINTR = 4;

    internal const int EFD_NONBLOCK = 0x800, EFD_CLOEXEC = 0x80000;

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    internal static partial int EventFd(uint initial, int flags);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    internal static partial nint Write(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "getrandom", SetLastError = true)]
    internal static partial nint GetRandom(void* buffer, nuint length, uint flags);
}
