using System.Runtime.InteropServices;

namespace RawScan.Lab.Interop;

/// <summary>
/// The TCP responders' calls: accept4, send, recv, shutdown and close on bare descriptors, and epoll to wait on
/// listeners and held connections at once. .NET's Socket would allocate a Socket, a SafeSocketHandle
/// and an IPEndPoint per accepted connection and run each greeting as an async state machine on the
/// thread pool; here a connection is an int.
/// </summary>
internal static unsafe partial class Libc
{
    // Linux values (x86-64 and arm64 alike).
    internal const int EBADF = 9;
    internal const int ENOMEM = 12;
    internal const int ENFILE = 23;
    internal const int EMFILE = 24;
    internal const int ENOBUFS = 105;
    internal const int SOCK_NONBLOCK = 0x800;
    internal const int SOCK_CLOEXEC = 0x80000;
    internal const int MSG_DONTWAIT = 0x40;
    internal const int MSG_NOSIGNAL = 0x4000;
    internal const int MSG_MORE = 0x8000;
    internal const int SHUT_WR = 1;
    internal const int EPOLL_CLOEXEC = 0x80000;
    internal const int EPOLL_CTL_ADD = 1;
    internal const uint EPOLLIN = 0x001;
    internal const uint EPOLLERR = 0x008;
    internal const uint EPOLLHUP = 0x010;
    internal const uint EPOLLRDHUP = 0x2000;

    /// <returns>The new connection's descriptor, or -1 with errno (EAGAIN: the backlog is empty).</returns>
    [LibraryImport(Library, EntryPoint = "accept4", SetLastError = true)]
    internal static partial int Accept4(int fd, void* address, void* addressLength, int flags);

    /// <returns>Bytes queued, or -1 with errno.</returns>
    [LibraryImport(Library, EntryPoint = "send", SetLastError = true)]
    internal static partial nint Send(int fd, void* buffer, nuint length, int flags);

    /// <returns>Bytes read, 0 at the peer's FIN, or -1 with errno (EAGAIN: nothing yet).</returns>
    [LibraryImport(Library, EntryPoint = "recv", SetLastError = true)]
    internal static partial nint Recv(int fd, void* buffer, nuint length, int flags);

    [LibraryImport(Library, EntryPoint = "shutdown", SetLastError = true)]
    internal static partial int Shutdown(int fd, int how);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "epoll_create1", SetLastError = true)]
    internal static partial int EpollCreate1(int flags);

    /// <param name="ev">A struct epoll_event, laid out as <see cref="EpollEventSize"/> says.</param>
    [LibraryImport(Library, EntryPoint = "epoll_ctl", SetLastError = true)]
    internal static partial int EpollCtl(int epfd, int op, int fd, void* ev);

    /// <returns>Events written to <paramref name="events"/>, 0 at the timeout, or -1 with errno.</returns>
    [LibraryImport(Library, EntryPoint = "epoll_wait", SetLastError = true)]
    internal static partial int EpollWait(int epfd, void* events, int maxEvents, int timeoutMs);

    /// <summary>
    /// struct epoll_event is { uint32 events; uint64 data; }, packed on x86-64 (12 bytes, data at 4)
    /// and naturally aligned elsewhere (16 bytes, data at 8): read and written through these.
    /// </summary>
    internal static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    internal static readonly int EpollDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    /// <summary>epoll_ctl(ADD) of <paramref name="fd"/> for <paramref name="events"/>, tagged <paramref name="data"/>.</summary>
    /// <returns>0, or -1 with errno.</returns>
    internal static int EpollAdd(int epfd, int fd, uint events, ulong data)
    {
        byte* ev = stackalloc byte[16];
        *(uint*)ev = events;
        System.Runtime.CompilerServices.Unsafe.WriteUnaligned(ev + EpollDataOffset, data);
        return EpollCtl(epfd, EPOLL_CTL_ADD, fd, ev);
    }
}
