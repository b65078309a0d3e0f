using System.Runtime.InteropServices;

namespace RawScan.Lab.Interop;

/// <summary>
/// The few libc calls the lab makes directly: signalling processes, re-pointing stdio, and the UDP
/// responders' batched datagram calls (.NET has no recvmmsg/sendmmsg, and its ReceiveMessageFrom
/// cannot send from a chosen source address).
/// </summary>
internal static unsafe partial class Libc
{
    private const string Library = "libc";

    internal const int SIGKILL = 9;
    internal const int SIGTERM = 15;

    /// <returns>0, or -1 with errno (ESRCH: no such process).</returns>
    [LibraryImport(Library, EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);

    /// <returns><paramref name="newFd"/>, or -1 with errno.</returns>
    [LibraryImport(Library, EntryPoint = "dup2", SetLastError = true)]
    internal static partial int Dup2(int oldFd, int newFd);

    // Linux values (x86-64 and arm64 alike).
    internal const int EINTR = 4;
    internal const int EAGAIN = 11;
    internal const int SOL_SOCKET = 1;
    internal const int SO_RCVBUF = 8;
    internal const int SO_SNDBUF = 7;
    internal const int SO_RCVTIMEO = 20;
    internal const int SO_RCVBUFFORCE = 33;
    internal const int SO_SNDBUFFORCE = 32;
    internal const int IPPROTO_IP = 0;
    internal const int IP_PKTINFO = 8;
    internal const int IPPROTO_IPV6 = 41;
    internal const int IPV6_V6ONLY = 26;
    internal const int IPV6_RECVPKTINFO = 49;
    /// <summary>The control message type, received and sent (IPV6_RECVPKTINFO asks for it).</summary>
    internal const int IPV6_PKTINFO = 50;
    internal const int MSG_TRUNC = 0x20;
    internal const int MSG_WAITFORONE = 0x10000;
    internal const int F_GETFL = 3;
    internal const int F_SETFL = 4;
    internal const int O_NONBLOCK = 0x800;

    /// <returns>Datagrams received (at least 1 with MSG_WAITFORONE), or -1 with errno (EAGAIN: SO_RCVTIMEO passed).</returns>
    [LibraryImport(Library, EntryPoint = "recvmmsg", SetLastError = true)]
    internal static partial int RecvMmsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    /// <returns>Datagrams sent, from the first; -1 with errno only if the first failed.</returns>
    [LibraryImport(Library, EntryPoint = "sendmmsg", SetLastError = true)]
    internal static partial int SendMmsg(int fd, MMsgHdr* messages, uint count, int flags);

    [LibraryImport(Library, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int Fcntl(int fd, int command, int argument);

    /// <summary>struct iovec.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary>struct msghdr (LP64: 56 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary>struct mmsghdr (64 bytes): a message and, after the call, its length.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    /// <summary>struct cmsghdr (16 bytes); its data follows, aligned to 8.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct CMsgHdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    /// <summary>struct in_pktinfo: addresses in network byte order, as on the wire.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct InPktInfo
    {
        public int IfIndex;
        /// <summary>Received: the local address the route chose. Sent: the source address to use.</summary>
        public uint SpecDst;
        /// <summary>Received: the destination address in the IP header.</summary>
        public uint Addr;
    }

    /// <summary>struct in6_pktinfo (20 bytes): the address, as on the wire, then the interface.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct In6PktInfo
    {
        /// <summary>Received: the destination address in the IPv6 header. Sent: the source address to use.</summary>
        public fixed byte Addr[16];
        /// <summary>Sent: 0 leaves the route to choose the way out.</summary>
        public int IfIndex;
    }

    /// <summary>struct sockaddr_in6 (28 bytes); port and address in network byte order.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SockAddrIn6
    {
        public ushort Family;
        public ushort Port;
        public uint FlowInfo;
        public fixed byte Addr[16];
        public uint ScopeId;
    }

    /// <summary>struct sockaddr_in (16 bytes); port and address in network byte order.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SockAddrIn
    {
        public ushort Family;
        public ushort Port;
        public uint Addr;
        public ulong Zero;
    }

    internal static int CMsgAlign(int n) => (n + 7) & ~7;

    /// <summary>CMSG_SPACE: header and data, padded.</summary>
    internal static int CMsgSpace(int dataLength) => CMsgAlign(sizeof(CMsgHdr)) + CMsgAlign(dataLength);

    /// <summary>CMSG_LEN: header and data, unpadded: what cmsg_len holds.</summary>
    internal static int CMsgLen(int dataLength) => CMsgAlign(sizeof(CMsgHdr)) + dataLength;
}
