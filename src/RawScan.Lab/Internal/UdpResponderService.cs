using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using RawScan.Lab.Interop;
using static RawScan.Lab.Interop.Libc;

namespace RawScan.Lab.Internal;

/// <summary>
/// Writes the reply to <paramref name="query"/>, which was sent to <paramref name="destination"/>
/// (host order, <see cref="RawScan.Targets.Ipv6"/>; an IPv4 destination as its IPv4-mapped address,
/// ::ffff:a.b.c.d), into <paramref name="reply"/>; returns its length, or 0 for no reply.
/// </summary>
internal delegate int UdpResponse(ReadOnlySpan<byte> query, UInt128 destination, Span<byte> reply);

/// <summary>
/// An open UDP port on every address of the namespace, of one family: one socket bound to 0.0.0.0
/// (or [::], IPv6 only), answered by a <see cref="UdpResponse"/> on a dedicated thread.
/// </summary>
/// <remarks>
/// <para>Every reply leaves FROM the address its query was sent TO. The socket is bound to the
/// wildcard, so without help the kernel would pick the source by route (the namespace's 198.19.0.1 or
/// 2001:db8:ff::1 on tgt0), and a scanner, or any connected client, would take the reply for someone
/// else's. IP_PKTINFO (IPV6_PKTINFO) does both halves: on receive, a control message gives each
/// datagram's destination address; on send, the same control message with ipi_spec_dst (ipi6_addr)
/// set makes it the source. The target's local routes for the live ranges make every address of them
/// a valid local source; IPv6 also needs net.ipv6.ip_nonlocal_bind, which the lab sets.</para>
/// <para>One socket per family rather than one dual-stack socket: the IPv4 path stays the one
/// measured below (no v4-mapped addresses, a 16-byte sockaddr), and each family's thread queues and
/// answers apart, so an IPv6 burst does not delay IPv4 replies.</para>
/// <para>Rate: a scan sends up to ~200k queries/s. The loop crosses into the kernel once per batch
/// both ways (recvmmsg with MSG_WAITFORONE: block for one, take whatever else is queued, up to
/// <see cref="Batch"/>; then one sendmmsg for the replies), over native buffers allocated once, so
/// nothing is allocated per datagram. The receive buffer is 32 MiB (SO_RCVBUFFORCE: root, and not
/// capped by net.core.rmem_max), so a burst queues rather than drops while the thread is descheduled.</para>
/// </remarks>
internal sealed unsafe class UdpResponderService : ILabService
{
    private const int Batch = 64;
    private const int QuerySize = 4096;    // larger datagrams arrive truncated (MSG_TRUNC) and are ignored
    private const int ControlSize = 64;    // one IP_PKTINFO message takes CMSG_SPACE(12) = 32, IPV6_PKTINFO CMSG_SPACE(20) = 40
    private const int ReceiveBufferBytes = 32 << 20;
    private const int SendBufferBytes = 4 << 20;

    /// <summary>How often a quiet loop looks at its cancellation token (SO_RCVTIMEO).</summary>
    private const int PollMilliseconds = 200;

    private readonly Socket _socket;
    private readonly int _fd;
    private readonly bool _v6;
    private readonly int _nameSize, _pktInfoLevel, _pktInfoType, _pktInfoSize;
    private readonly UdpResponse _respond;
    private readonly int _replySize;
    private Thread? _thread;

    // Written by the loop thread only; read once it has stopped.
    private long _received, _answered, _sendErrors;

    public UdpResponderService(ushort port, string name, UdpResponse respond, int replySize, AddressFamily family = AddressFamily.InterNetwork)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the lab's UDP responders assume little-endian LP64 Linux structs");
        _v6 = family == AddressFamily.InterNetworkV6;
        Description = _v6 ? $"udp6/{port} ({name})" : $"udp/{port} ({name})";
        _respond = respond;
        _replySize = replySize;
        (_nameSize, _pktInfoLevel, _pktInfoType, _pktInfoSize) = _v6
            ? (sizeof(SockAddrIn6), IPPROTO_IPV6, IPV6_PKTINFO, sizeof(In6PktInfo))
            : (sizeof(SockAddrIn), IPPROTO_IP, IP_PKTINFO, sizeof(InPktInfo));
        _socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (_v6)
            {
                SetInt(IPPROTO_IPV6, IPV6_V6ONLY, 1);      // the IPv4 socket holds the port for IPv4
                SetInt(IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
            }
            else
            {
                SetInt(IPPROTO_IP, IP_PKTINFO, 1);
            }
            if (!TrySetInt(SOL_SOCKET, SO_RCVBUFFORCE, ReceiveBufferBytes)) SetInt(SOL_SOCKET, SO_RCVBUF, ReceiveBufferBytes);
            if (!TrySetInt(SOL_SOCKET, SO_SNDBUFFORCE, SendBufferBytes)) SetInt(SOL_SOCKET, SO_SNDBUF, SendBufferBytes);
            Span<byte> timeval = stackalloc byte[16];      // struct timeval { long tv_sec; long tv_usec; }
            BinaryPrimitives.WriteInt64LittleEndian(timeval, 0);
            BinaryPrimitives.WriteInt64LittleEndian(timeval[8..], PollMilliseconds * 1000L);
            _socket.SetRawSocketOption(SOL_SOCKET, SO_RCVTIMEO, timeval);
            _socket.Bind(new IPEndPoint(_v6 ? IPAddress.IPv6Any : IPAddress.Any, port));
            _fd = (int)_socket.Handle;
            // The loop calls recvmmsg itself and relies on it blocking (up to SO_RCVTIMEO).
            int fl = Fcntl(_fd, F_GETFL, 0);
            if (fl < 0 || ((fl & O_NONBLOCK) != 0 && Fcntl(_fd, F_SETFL, fl & ~O_NONBLOCK) < 0))
                throw new LabException($"{Description}: fcntl failed (errno {Marshal.GetLastPInvokeError()})");
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
    }

    public string Description { get; }

    public Task RunAsync(CancellationToken ct)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _thread = new Thread(() =>
        {
            try
            {
                Loop(ct);
                Console.WriteLine($"{Description}: {_received} queries, {_answered} answered, {_received - _answered} ignored, {_sendErrors} send errors");
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        { IsBackground = true, Name = $"lab {Description}" };
        _thread.Start();
        return done.Task;
    }

    /// <summary>
    /// Receive a batch, answer each query into its own reply slot, send the replies in one call.
    /// Reply i of a batch is addressed to the sockaddr the kernel filled in for its query: no copy.
    /// </summary>
    private void Loop(CancellationToken ct)
    {
        nuint bytes = (nuint)(Batch * (2 * sizeof(MMsgHdr) + 2 * sizeof(IoVec) + _nameSize + 2 * ControlSize + QuerySize + _replySize));
        byte* memory = (byte*)NativeMemory.AllocZeroed(bytes);
        try
        {
            var rx = (MMsgHdr*)memory;
            var tx = rx + Batch;
            var rxIov = (IoVec*)(tx + Batch);
            var txIov = rxIov + Batch;
            byte* names = (byte*)(txIov + Batch);         // sockaddr_in or sockaddr_in6, _nameSize each
            byte* rxControl = names + Batch * _nameSize;
            byte* txControl = rxControl + Batch * ControlSize;
            byte* queries = txControl + Batch * ControlSize;
            byte* replies = queries + Batch * QuerySize;
            for (int i = 0; i < Batch; i++)
            {
                rxIov[i] = new IoVec { Base = queries + i * QuerySize, Length = QuerySize };
                rx[i].Header.Iov = &rxIov[i];
                rx[i].Header.IovLength = 1;
                rx[i].Header.Name = names + i * _nameSize;
                rx[i].Header.Control = rxControl + i * ControlSize;
                txIov[i].Base = replies + i * _replySize;
                tx[i].Header.Iov = &txIov[i];
                tx[i].Header.IovLength = 1;
                tx[i].Header.Control = txControl + i * ControlSize;
                tx[i].Header.ControlLength = (nuint)CMsgSpace(_pktInfoSize);
            }

            while (!ct.IsCancellationRequested)
            {
                for (int i = 0; i < Batch; i++)
                {
                    // The kernel shrinks these to what it wrote: give each its full size back.
                    rx[i].Header.NameLength = (uint)_nameSize;
                    rx[i].Header.ControlLength = ControlSize;
                    rx[i].Header.Flags = 0;
                }
                int n = RecvMmsg(_fd, rx, Batch, MSG_WAITFORONE, null);
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno is EAGAIN or EINTR) continue;     // quiet for PollMilliseconds: look at ct
                    throw new LabException($"{Description}: recvmmsg failed (errno {errno})");
                }
                _received += n;

                int k = 0;
                for (int i = 0; i < n; i++)
                {
                    ref var m = ref rx[i];
                    if ((m.Header.Flags & MSG_TRUNC) != 0) continue;
                    byte* destination = Destination(ref m.Header);
                    if (destination == null) continue;
                    UInt128 to = _v6 ? RawScan.Targets.Ipv6.FromBytes(new ReadOnlySpan<byte>(destination, 16))
                        : MappedPrefix | BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(destination, 4));
                    int length = _respond(new ReadOnlySpan<byte>(rxIov[i].Base, (int)m.Length), to,
                        new Span<byte>(txIov[k].Base, _replySize));
                    if (length <= 0) continue;
                    txIov[k].Length = (nuint)length;
                    tx[k].Header.Name = names + i * _nameSize;
                    tx[k].Header.NameLength = (uint)_nameSize;
                    var cmsg = (CMsgHdr*)tx[k].Header.Control;
                    cmsg->Length = (nuint)CMsgLen(_pktInfoSize);
                    cmsg->Level = _pktInfoLevel;
                    cmsg->Type = _pktInfoType;
                    // The source to send from (ipi_spec_dst, ipi6_addr), the bytes as received; ifindex 0
                    // leaves the route to choose the way out.
                    byte* info = (byte*)cmsg + CMsgAlign(sizeof(CMsgHdr));
                    if (_v6)
                        *(In6PktInfo*)info = default;
                    else
                        *(InPktInfo*)info = default;
                    var source = _v6 ? new Span<byte>(((In6PktInfo*)info)->Addr, 16) : new Span<byte>(&((InPktInfo*)info)->SpecDst, 4);
                    new ReadOnlySpan<byte>(destination, source.Length).CopyTo(source);
                    k++;
                }
                _answered += k;

                for (int sent = 0; sent < k;)
                {
                    int r = SendMmsg(_fd, tx + sent, (uint)(k - sent), 0);
                    if (r > 0)
                    {
                        sent += r;
                        continue;
                    }
                    if (Marshal.GetLastPInvokeError() == EINTR) continue;
                    _sendErrors++;      // this one reply could not go (e.g. no route back): skip it, not the rest
                    sent++;
                }
            }
        }
        finally
        {
            NativeMemory.Free(memory);
        }
    }

    /// <summary>::ffff:0.0.0.0, to which an IPv4 destination is added for <see cref="UdpResponse"/>.</summary>
    private static readonly UInt128 MappedPrefix = (UInt128)0xffff << 32;

    /// <summary>
    /// The datagram's destination address, as on the wire (4 or 16 bytes), inside its IP_PKTINFO
    /// (IPV6_PKTINFO) control message; null if it has none.
    /// </summary>
    private byte* Destination(ref MsgHdr header)
    {
        byte* control = (byte*)header.Control;
        int length = (int)header.ControlLength, at = 0;
        while (at + sizeof(CMsgHdr) <= length)
        {
            var cmsg = (CMsgHdr*)(control + at);
            int cmsgLength = (int)cmsg->Length;
            if (cmsgLength < sizeof(CMsgHdr) || at + cmsgLength > length) break;
            if (cmsg->Level == _pktInfoLevel && cmsg->Type == _pktInfoType && cmsgLength >= CMsgLen(_pktInfoSize))
            {
                byte* info = control + at + CMsgAlign(sizeof(CMsgHdr));
                return _v6 ? ((In6PktInfo*)info)->Addr : (byte*)&((InPktInfo*)info)->Addr;
            }
            at += CMsgAlign(cmsgLength);
        }
        return null;
    }

    private void SetInt(int level, int name, int value)
    {
        if (!TrySetInt(level, name, value)) throw new LabException($"{Description}: setsockopt({level}, {name}) failed");
    }

    private bool TrySetInt(int level, int name, int value)
    {
        Span<byte> v = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(v, value);
        try
        {
            _socket.SetRawSocketOption(level, name, v);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Waits for the loop (it stops within <see cref="PollMilliseconds"/> of cancellation), then closes the socket.</summary>
    public void Dispose()
    {
        if (_thread is { IsAlive: true } t && !t.Join(TimeSpan.FromSeconds(2)))
            return; // still inside recvmmsg on this fd: leave the socket to the process's exit rather than close it under the call
        _socket.Dispose();
    }
}
