using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using static RawScan.Lab.Interop.Libc;

namespace RawScan.Lab.Internal;

/// <summary>
/// The open TCP ports on every address of the namespace, of one family: one listener per port on
/// 0.0.0.0 (or [::], IPv6 only), so the target's local route for the whole live range makes each
/// address answer SYNs with SYN-ACKs. Connections a connect scan completes are accepted and closed at
/// once, except on the ports that greet (<see cref="LabSpec.TcpBanner"/>): 22 sends an SSH
/// identification line and closes, 80 answers an HTTP request and closes; a SYN scan never completes one.
/// </summary>
/// <remarks>
/// <para>Cost: a banner sweep of the /16 on 22 and 80 is 131,072 connections in a few seconds, on two
/// cores shared with the scanner, so the responder must cost the scanner no more than the kernel's own
/// TCP work does. The earlier design (an await per step on .NET's socket engine, a Socket, a pooled
/// buffer and a CancellationTokenSource per connection, SSH held until the client left) cost 0.45 s
/// of CPU per 8,192 SSH connections. Here one dedicated thread per family serves every port: epoll
/// says which listeners have connections queued, and each is accepted in a burst until EAGAIN
/// (accept4, non-blocking), answered in the same pass and closed, the descriptor a bare int: nothing
/// is allocated per connection. Figures in docs/lab.md, "TCP greetings".</para>
/// <para>Per port: a plain port closes at once (a FIN). SSH is server-first (RFC 4253 section 4.2):
/// one send of the line, which fits an empty send buffer whole, then close. HTTP tries one recv at
/// once, since the request usually came in with, or right behind, the ACK that completed the
/// handshake: with the end of its headers (or <see cref="MaxRequest"/> bytes, or the client's FIN) it
/// answers and closes; otherwise the connection is held in the epoll set until the headers end or
/// <see cref="Hold"/> passes, then answered all the same. Held connections expire in the order they
/// came (every hold is as long), so a FIFO of deadlines is the whole timer.</para>
/// <para>A greeting leaves with its FIN in one segment (<see cref="SendAndClose"/>), ended by a
/// normal close, not SO_LINGER 0, so the client sees the whole greeting and then the end of it. A
/// client that resets or closes first is its own business: counted, never thrown.</para>
/// <para>Out of descriptors (EMFILE: the serve's limit is 20,000 here), the loop pauses a few
/// milliseconds rather than failing; the kernel keeps completing handshakes into the backlog meanwhile.</para>
/// <para>One thread and listener set per family rather than dual-stack [::] sockets: IPv4 has no
/// v4-mapped addresses on its path, and <see cref="ServeLauncher"/> sees each family's listeners in
/// its own /proc/net file.</para>
/// </remarks>
internal sealed unsafe class TcpAcceptService : ILabService
{
    private const int SolSocket = 1;   // SOL_SOCKET on Linux
    private const int SoReuseAddr = 2; // SO_REUSEADDR on Linux

    /// <summary>The target namespace's somaxconn is raised to match, so a burst of connects is not dropped.</summary>
    private const int Backlog = 65535;

    /// <summary>
    /// How long HTTP waits for the end of a request's headers before it answers anyway. Short, so a
    /// client that never sends costs a descriptor for a second, not for good.
    /// </summary>
    internal static readonly TimeSpan Hold = TimeSpan.FromSeconds(1);

    /// <summary>What HTTP reads of a request before it answers anyway: the end of the headers, or this many bytes.</summary>
    internal const int MaxRequest = 4096;

    /// <summary>
    /// Connections accepted from one listener per pass before the loop looks at the others and at the
    /// held connections again: large, as every pass costs an epoll_wait, but bounded so one busy port
    /// cannot starve the rest.
    /// </summary>
    private const int BurstLimit = 1024;

    private const int MaxEvents = 256;
    private const int PollMilliseconds = 200;     // how often a quiet loop looks at its cancellation token
    private const int StarvedMilliseconds = 5;    // the pause when out of descriptors
    private const ulong ListenerTag = 1UL << 63;  // epoll data: a listener's index, or a connection's serial << 32 | fd

    private static readonly byte[] SshLine = Encoding.ASCII.GetBytes(LabSpec.SshIdentification + "\r\n");
    private static readonly byte[] HttpAnswer = Encoding.ASCII.GetBytes(
        $"HTTP/1.1 200 OK\r\nServer: {LabSpec.HttpServer}\r\nContent-Type: text/plain\r\nContent-Length: {LabSpec.HttpBody.Length}\r\nConnection: close\r\n\r\n{LabSpec.HttpBody}");

    private enum Greeting : byte { None, Ssh, Http }

    private sealed class Listener(Socket socket, string description, Greeting greeting)
    {
        public readonly Socket Socket = socket;
        public readonly int Fd = (int)socket.Handle;
        public readonly string Description = description;
        public readonly Greeting Greeting = greeting;
        // Written by the loop thread only; read once it has stopped.
        public long Accepted, Answered, AnsweredAfterHold, Gone;
    }

    /// <summary>
    /// An HTTP connection held for the rest of its request, by descriptor. <see cref="Serial"/> tells a
    /// deadline or an epoll event of an earlier connection on a reused descriptor from this one's.
    /// </summary>
    private struct Held
    {
        public int Serial;
        public bool Active;
        public int Listener;
        public int Have;        // request bytes read so far
        public int Matched;     // bytes of "\r\n\r\n" the request ends with so far (0-3)
    }

    private readonly Listener[] _listeners;
    private readonly bool _v6;
    private readonly byte[] _scratch = GC.AllocateUninitializedArray<byte>(MaxRequest, pinned: true);
    private Held[] _held = new Held[1024];
    private readonly Queue<(int Fd, int Serial, long Deadline)> _deadlines = new();
    private int _serial;
    private Thread? _thread;

    public TcpAcceptService(IReadOnlyList<ushort> ports, AddressFamily family = AddressFamily.InterNetwork)
    {
        bool v6 = _v6 = family == AddressFamily.InterNetworkV6;
        var listeners = new List<Listener>();
        try
        {
            foreach (ushort port in ports)
            {
                string? banner = LabSpec.TcpBanner(port);
                string description = (v6 ? $"tcp6/{port}" : $"tcp/{port}") + (banner is null ? "" : $" ({banner})");
                var socket = new Socket(family, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    // IPv6 only, whatever net.ipv6.bindv6only says: the IPv4 listener holds the port for IPv4.
                    if (v6) socket.SetRawSocketOption(IPPROTO_IPV6, IPV6_V6ONLY, BitConverter.GetBytes(1));
                    // SO_REUSEADDR alone, set raw: a restarted serve binds despite connections in TIME_WAIT.
                    // .NET's ReuseAddress option would add SO_REUSEPORT, letting a second serve share the
                    // port silently instead of failing to bind.
                    socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
                    socket.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, port));
                    socket.Listen(Backlog);
                    // The loop accepts until EAGAIN: the listener must not block.
                    int fd = (int)socket.Handle, fl = Fcntl(fd, F_GETFL, 0);
                    if (fl < 0 || Fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
                        throw new LabException($"{description}: fcntl failed (errno {Marshal.GetLastPInvokeError()})");
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
                listeners.Add(new Listener(socket, description, banner switch { "ssh" => Greeting.Ssh, "http" => Greeting.Http, _ => Greeting.None }));
            }
        }
        catch
        {
            foreach (var l in listeners) l.Socket.Dispose();
            throw;
        }
        _listeners = [.. listeners];
        Description = string.Join(", ", _listeners.Select(l => l.Description));
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
                foreach (var l in _listeners.Where(l => l.Accepted > 0))
                    Console.WriteLine(l.Greeting == Greeting.None ? $"{l.Description}: {l.Accepted} accepted"
                        : $"{l.Description}: {l.Accepted} accepted, {l.Answered} answered ({l.AnsweredAfterHold} after the hold), {l.Gone} gone first");
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        { IsBackground = true, Name = _v6 ? "lab tcp6" : "lab tcp" };
        _thread.Start();
        return done.Task;
    }

    /// <summary>
    /// Wait for listeners with queued connections and held connections with news; accept each
    /// listener's queue in a burst, greeting as it goes; serve the held; answer those whose hold passed.
    /// </summary>
    private void Loop(CancellationToken ct)
    {
        int epfd = EpollCreate1(EPOLL_CLOEXEC);
        if (epfd < 0) throw new LabException($"{Description}: epoll_create1 failed (errno {Marshal.GetLastPInvokeError()})");
        int eventSize = EpollEventSize, dataOffset = EpollDataOffset;
        byte* events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * eventSize));
        try
        {
            for (int i = 0; i < _listeners.Length; i++)
                if (EpollAdd(epfd, _listeners[i].Fd, EPOLLIN, ListenerTag | (uint)i) < 0)
                    throw new LabException($"{_listeners[i].Description}: epoll_ctl failed (errno {Marshal.GetLastPInvokeError()})");
            long holdTicks = (long)(Hold.TotalSeconds * Stopwatch.Frequency);
            while (!ct.IsCancellationRequested)
            {
                int timeout = PollMilliseconds;
                if (_deadlines.TryPeek(out var first))
                {
                    long ms = (first.Deadline - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency + 1;
                    timeout = (int)Math.Clamp(ms, 0, PollMilliseconds);
                }
                int n = EpollWait(epfd, events, MaxEvents, timeout);
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == EINTR) continue;
                    throw new LabException($"{Description}: epoll_wait failed (errno {errno})");
                }
                long now = Stopwatch.GetTimestamp();
                bool starved = false;
                for (int e = 0; e < n; e++)
                {
                    ulong data = Unsafe.ReadUnaligned<ulong>(events + e * eventSize + dataOffset);
                    if ((data & ListenerTag) != 0)
                        starved |= AcceptBurst(epfd, (int)(data & ~ListenerTag), now + holdTicks);
                    else
                        Resume((int)(uint)data, (int)(data >> 32));
                }
                while (_deadlines.TryPeek(out var due) && due.Deadline <= now)
                {
                    _deadlines.Dequeue();
                    ref Held h = ref _held[due.Fd];
                    if (!h.Active || h.Serial != due.Serial) continue;   // answered already
                    _listeners[h.Listener].AnsweredAfterHold++;
                    Answer(due.Fd, ref h);
                }
                if (starved) Thread.Sleep(StarvedMilliseconds);   // held connections end within Hold
            }
        }
        finally
        {
            for (int fd = 0; fd < _held.Length; fd++)
                if (_held[fd].Active) Close(fd);
            NativeMemory.Free(events);
            Close(epfd);
        }
    }

    /// <summary>Accepts and serves up to <see cref="BurstLimit"/> connections of listener <paramref name="index"/>.</summary>
    /// <returns>True when out of descriptors (or kernel memory): the loop should pause.</returns>
    private bool AcceptBurst(int epfd, int index, long deadline)
    {
        Listener listener = _listeners[index];
        for (int i = 0; i < BurstLimit; i++)
        {
            int fd = Accept4(listener.Fd, null, null, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno is EMFILE or ENFILE or ENOBUFS or ENOMEM) return true;
                if (errno == EAGAIN) return false;
                // ECONNABORTED (the client reset it in the backlog), EINTR, EPERM, EPROTO and the
                // network errors accept(2) passes on: that connection's trouble, not the listener's.
                if (errno == EBADF) throw new LabException($"{listener.Description}: accept4 failed (errno {errno})");
                continue;
            }
            listener.Accepted++;
            switch (listener.Greeting)
            {
                case Greeting.None:
                    Close(fd);
                    break;
                case Greeting.Ssh:
                    if (SendAndClose(fd, SshLine)) listener.Answered++;
                    else listener.Gone++;
                    break;
                default:
                    if (fd >= _held.Length) Array.Resize(ref _held, Math.Max(fd + 1, _held.Length * 2));
                    ref Held h = ref _held[fd];
                    h = new Held { Serial = ++_serial, Listener = index };
                    if (Read(fd, ref h)) break;   // answered, or gone
                    // The request is not (all) here yet: hold the connection until it is, or until Hold.
                    if (EpollAdd(epfd, fd, EPOLLIN | EPOLLRDHUP, (ulong)(uint)h.Serial << 32 | (uint)fd) < 0)
                    {
                        Answer(fd, ref h);
                        break;
                    }
                    h.Active = true;
                    _deadlines.Enqueue((fd, h.Serial, deadline));
                    break;
            }
        }
        return false;
    }

    /// <summary>A held connection has news (data, FIN, reset): read it, and answer if the request is done.</summary>
    private void Resume(int fd, int serial)
    {
        if (fd >= _held.Length) return;
        ref Held h = ref _held[fd];
        if (h.Active && h.Serial == serial) Read(fd, ref h);
    }

    /// <summary>
    /// Reads what has come of an HTTP request; answers and closes once its headers have ended, it has
    /// <see cref="MaxRequest"/> bytes or the client has sent its FIN; closes if the client reset.
    /// </summary>
    /// <returns>False when the request goes on and nothing more has come: the connection stays.</returns>
    private bool Read(int fd, ref Held h)
    {
        fixed (byte* buffer = _scratch)
        {
            nint n = Recv(fd, buffer, (nuint)(MaxRequest - h.Have), 0);
            if (n < 0)
            {
                if (Marshal.GetLastPInvokeError() == EAGAIN) return false;
                _listeners[h.Listener].Gone++;   // reset: nobody to answer
                End(fd, ref h);
                return true;
            }
            h.Have += (int)n;
            if (n > 0 && h.Have < MaxRequest && !HeadersEnd(new ReadOnlySpan<byte>(buffer, (int)n), ref h.Matched)) return false;
            Answer(fd, ref h);
            return true;
        }
    }

    /// <summary>Whether the request's headers end in <paramref name="data"/>, carrying a partial "\r\n\r\n" across reads in <paramref name="matched"/>.</summary>
    internal static bool HeadersEnd(ReadOnlySpan<byte> data, ref int matched)
    {
        // The usual case, a whole request in one read: vectorized.
        if (matched == 0 && data.IndexOf("\r\n\r\n"u8) >= 0) return true;
        // Otherwise how much of the terminator the data ends with, continuing an earlier partial match.
        // The terminator's only self-overlap is "\r", so a mismatch falls back to 1 on '\r', else 0.
        ReadOnlySpan<byte> end = "\r\n\r\n"u8;
        for (int i = matched == 0 ? Math.Max(0, data.Length - 3) : 0; i < data.Length; i++)
        {
            byte b = data[i];
            matched = b == end[matched] ? matched + 1 : b == '\r' ? 1 : 0;
            if (matched == 4) return true;
        }
        return false;
    }

    private void Answer(int fd, ref Held h)
    {
        if (SendAndClose(fd, HttpAnswer)) _listeners[h.Listener].Answered++;
        else _listeners[h.Listener].Gone++;
        h.Active = false;
    }

    private static void End(int fd, ref Held h)
    {
        Close(fd);
        h.Active = false;
    }

    /// <summary>
    /// Sends <paramref name="greeting"/> and the FIN in one segment, then closes: MSG_MORE holds the
    /// bytes back (they fit an empty send buffer whole), and shutdown(SHUT_WR) sets FIN on that
    /// unsent segment and pushes it. Half of the responder's cost was the kernel carrying its
    /// segments through the veth and the scanner namespace's capture and filters, charged to this
    /// thread: the data and the FIN apart were two such trips per connection, together they are one
    /// (measured: docs/lab.md, "TCP greetings"). The shutdown also makes the ending safe: should the
    /// client have sent something unread (an SSH client sends its own line without waiting), close
    /// then answers it with a RST, but only after the greeting and its FIN are on the wire.
    /// </summary>
    /// <returns>False when the connection was gone (the client reset it first).</returns>
    private static bool SendAndClose(int fd, byte[] greeting)
    {
        bool sent;
        fixed (byte* bytes = greeting)
            sent = Send(fd, bytes, (nuint)greeting.Length, MSG_NOSIGNAL | MSG_MORE) == greeting.Length;
        if (sent) Shutdown(fd, SHUT_WR);
        Close(fd);
        return sent;
    }

    public void Dispose()
    {
        if (_thread is { IsAlive: true } t && !t.Join(TimeSpan.FromSeconds(2)))
            return; // still inside the loop: leave the sockets to the process's exit rather than close them under it
        foreach (var l in _listeners) l.Socket.Dispose();
    }
}
