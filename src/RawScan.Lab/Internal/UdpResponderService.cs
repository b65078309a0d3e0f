using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using RawScan.Lab.Interop;
using static RawScan.Lab.Interop.Libc;

namespace RawScan.Lab.Internal;

/// <summary>
/// Writes the reply to <paramref name="query"/>, which was sent to <paramref name="destination"/>
/// (host order), into <paramref name="reply"/>; returns its length, or 0 for no reply.
/// </summary>
internal delegate int UdpResponse(ReadOnlySpan<byte> query, uint destination, Span<byte> reply);

/// <summary>
/// An open UDP port on every address of the namespace: one socket bound to 0.0.0.0, answered by a
/// <see cref="UdpResponse"/> on a dedicated thread.
/// </summary>
/// <remarks>
/// <para>Every reply leaves FROM the address its query was sent TO. The socket is bound to 0.0.0.0,
/// so without help the kernel would pick the source by route (the namespace's 198.19.0.1 on tgt0),
/// and a scanner, or any connected client, would take the reply for someone else's. IP_PKTINFO does
/// both halves: on receive, a control message gives each datagram's destination address; on send,
/// the same control message with ipi_spec_dst set makes it the source. The target's local route for
/// the live range makes every address of it a valid local source.</para>
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
    private const int ControlSize = 64;    // one IP_PKTINFO message takes CMSG_SPACE(12) = 32
    private const int ReceiveBufferBytes = 32 << 20;
    private const int SendBufferBytes = 4 << 20;

    /// <summary>How often a quiet loop looks at its cancellation token (SO_RCVTIMEO).</summary>
    private const int PollMilliseconds = 200;

    private readonly Socket _socket;
    private readonly int _fd;
    private readonly UdpResponse _respond;
    private readonly int _replySize;
    private Thread? _thread;

    // Written by the loop thread only; read once it has stopped.
    private long _received, _answered, _sendErrors;

    public UdpResponderService(ushort port, string name, UdpResponse respond, int replySize)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the lab's UDP responders assume little-endian LP64 Linux structs");
        Description = $"udp/{port} ({name})";
        _respond = respond;
        _replySize = replySize;
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            SetInt(IPPROTO_IP, IP_PKTINFO, 1);
            if (!TrySetInt(SOL_SOCKET, SO_RCVBUFFORCE, ReceiveBufferBytes)) SetInt(SOL_SOCKET, SO_RCVBUF, ReceiveBufferBytes);
            if (!TrySetInt(SOL_SOCKET, SO_SNDBUFFORCE, SendBufferBytes)) SetInt(SOL_SOCKET, SO_SNDBUF, SendBufferBytes);
            Span<byte> timeval = stackalloc byte[16];      // struct timeval { long tv_sec; long tv_usec; }
            BinaryPrimitives.WriteInt64LittleEndian(timeval, 0);
            BinaryPrimitives.WriteInt64LittleEndian(timeval[8..], PollMilliseconds * 1000L);
            _socket.SetRawSocketOption(SOL_SOCKET, SO_RCVTIMEO, timeval);
            _socket.Bind(new IPEndPoint(IPAddress.Any, port));
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
        nuint bytes = (nuint)(Batch * (2 * sizeof(MMsgHdr) + 2 * sizeof(IoVec) + sizeof(SockAddrIn) + 2 * ControlSize + QuerySize + _replySize));
        byte* memory = (byte*)NativeMemory.AllocZeroed(bytes);
        try
        {
            var rx = (MMsgHdr*)memory;
            var tx = rx + Batch;
            var rxIov = (IoVec*)(tx + Batch);
            var txIov = rxIov + Batch;
            var names = (SockAddrIn*)(txIov + Batch);
            byte* rxControl = (byte*)(names + Batch);
            byte* txControl = rxControl + Batch * ControlSize;
            byte* queries = txControl + Batch * ControlSize;
            byte* replies = queries + Batch * QuerySize;
            for (int i = 0; i < Batch; i++)
            {
                rxIov[i] = new IoVec { Base = queries + i * QuerySize, Length = QuerySize };
                rx[i].Header.Iov = &rxIov[i];
                rx[i].Header.IovLength = 1;
                rx[i].Header.Name = &names[i];
                rx[i].Header.Control = rxControl + i * ControlSize;
                txIov[i].Base = replies + i * _replySize;
                tx[i].Header.Iov = &txIov[i];
                tx[i].Header.IovLength = 1;
                tx[i].Header.Control = txControl + i * ControlSize;
                tx[i].Header.ControlLength = (nuint)CMsgSpace(sizeof(InPktInfo));
            }

            while (!ct.IsCancellationRequested)
            {
                for (int i = 0; i < Batch; i++)
                {
                    // The kernel shrinks these to what it wrote: give each its full size back.
                    rx[i].Header.NameLength = (uint)sizeof(SockAddrIn);
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
                    if ((m.Header.Flags & MSG_TRUNC) != 0 || !Destination(ref m.Header, out uint destination)) continue;
                    int length = _respond(new ReadOnlySpan<byte>(rxIov[i].Base, (int)m.Length), destination,
                        new Span<byte>(txIov[k].Base, _replySize));
                    if (length <= 0) continue;
                    txIov[k].Length = (nuint)length;
                    tx[k].Header.Name = &names[i];
                    tx[k].Header.NameLength = (uint)sizeof(SockAddrIn);
                    var cmsg = (CMsgHdr*)tx[k].Header.Control;
                    cmsg->Length = (nuint)CMsgLen(sizeof(InPktInfo));
                    cmsg->Level = IPPROTO_IP;
                    cmsg->Type = IP_PKTINFO;
                    // ipi_spec_dst is the source to send from; ifindex 0 leaves the route to choose the way out.
                    *(InPktInfo*)((byte*)cmsg + CMsgAlign(sizeof(CMsgHdr))) = new InPktInfo { SpecDst = BinaryPrimitives.ReverseEndianness(destination) };
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

    /// <summary>The datagram's destination address (host order), from its IP_PKTINFO control message.</summary>
    private static bool Destination(ref MsgHdr header, out uint destination)
    {
        byte* control = (byte*)header.Control;
        int length = (int)header.ControlLength, at = 0;
        while (at + sizeof(CMsgHdr) <= length)
        {
            var cmsg = (CMsgHdr*)(control + at);
            int cmsgLength = (int)cmsg->Length;
            if (cmsgLength < sizeof(CMsgHdr) || at + cmsgLength > length) break;
            if (cmsg->Level == IPPROTO_IP && cmsg->Type == IP_PKTINFO && cmsgLength >= CMsgLen(sizeof(InPktInfo)))
            {
                var info = (InPktInfo*)(control + at + CMsgAlign(sizeof(CMsgHdr)));
                destination = BinaryPrimitives.ReverseEndianness(info->Addr);
                return true;
            }
            at += CMsgAlign(cmsgLength);
        }
        destination = 0;
        return false;
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
