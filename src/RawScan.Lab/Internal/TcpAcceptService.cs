using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RawScan.Lab.Internal;

/// <summary>
/// An open TCP port on every address of the namespace, of one family: listens on 0.0.0.0 (or [::],
/// IPv6 only), so the target's local route for the whole live range makes each address answer SYNs
/// with SYN-ACKs. Connections a connect scan completes are accepted and closed at once, except on the
/// ports that greet (<see cref="LabSpec.TcpBanner"/>): 22 sends an SSH identification line, 80 answers
/// an HTTP request; a SYN scan never completes one.
/// </summary>
/// <remarks>
/// A banner sweep of the /16 on 22 and 80 is 131,072 connections in a few seconds on two cores, so
/// a greeting costs no thread: each connection is a few awaits on the socket engine's epoll thread
/// (a pooled buffer, a send that completes at once, a receive bounded by <see cref="Hold"/>), and the
/// accept loop never waits for one. Run out of descriptors (EMFILE), the loop pauses a few
/// milliseconds for connections to end rather than failing: the kernel keeps completing handshakes
/// into the backlog meanwhile.
/// </remarks>
/// <remarks>
/// One listener per family rather than one dual-stack [::] socket: IPv4 stays exactly as it was
/// measured (no v4-mapped addresses on its path), and <see cref="ServeLauncher"/> sees each family's
/// listener in its own /proc/net file.
/// </remarks>
internal sealed class TcpAcceptService : ILabService
{
    private const int SolSocket = 1;   // SOL_SOCKET on Linux
    private const int SoReuseAddr = 2; // SO_REUSEADDR on Linux
    private const int IpProtoIpv6 = 41, Ipv6V6Only = 26;

    /// <summary>The target namespace's somaxconn is raised to match, so a burst of connects is not dropped.</summary>
    private const int Backlog = 65535;

    /// <summary>
    /// How long a greeting port keeps a connection the client leaves open: SSH waits this long after its
    /// line for the client to go, HTTP this long for the end of the request's headers. Short, so a
    /// client that never closes costs a descriptor for a second, not for good.
    /// </summary>
    internal static readonly TimeSpan Hold = TimeSpan.FromSeconds(1);

    /// <summary>What HTTP reads of a request before it answers anyway: the end of the headers, or this many bytes.</summary>
    private const int MaxRequest = 4096;

    private static readonly byte[] SshLine = Encoding.ASCII.GetBytes(LabSpec.SshIdentification + "\r\n");
    private static readonly byte[] HttpAnswer = Encoding.ASCII.GetBytes(
        $"HTTP/1.1 200 OK\r\nServer: {LabSpec.HttpServer}\r\nContent-Type: text/plain\r\nContent-Length: {LabSpec.HttpBody.Length}\r\nConnection: close\r\n\r\n{LabSpec.HttpBody}");
    private static readonly byte[] EndOfHeaders = "\r\n\r\n"u8.ToArray();

    private readonly Socket _listener;
    private readonly string? _banner;

    public TcpAcceptService(ushort port, AddressFamily family = AddressFamily.InterNetwork)
    {
        _banner = LabSpec.TcpBanner(port);
        bool v6 = family == AddressFamily.InterNetworkV6;
        Description = (v6 ? $"tcp6/{port}" : $"tcp/{port}") + (_banner is null ? "" : $" ({_banner})");
        _listener = new Socket(family, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // IPv6 only, whatever net.ipv6.bindv6only says: the IPv4 listener holds the port for IPv4.
            if (v6) _listener.SetRawSocketOption(IpProtoIpv6, Ipv6V6Only, BitConverter.GetBytes(1));
            // SO_REUSEADDR alone, set raw: a restarted serve binds despite connections in TIME_WAIT.
            // .NET's ReuseAddress option would add SO_REUSEPORT, letting a second serve share the
            // port silently instead of failing to bind.
            _listener.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
            _listener.Bind(new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, port));
            _listener.Listen(Backlog);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }
    }

    public string Description { get; }

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                // The client reset the connection while it waited in the backlog: not our failure.
                continue;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
            {
                // EMFILE/ENOBUFS: greetings in flight hold every descriptor; they end within Hold.
                try
                {
                    await Task.Delay(5, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            if (_banner is null) connection.Dispose();
            else _ = GreetAsync(connection, _banner);
        }
    }

    /// <summary>Serves one connection of a greeting port and closes it; never throws (a client's reset is its own business).</summary>
    private static async Task GreetAsync(Socket connection, string banner)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(banner == "http" ? MaxRequest : 512);
        try
        {
            using var hold = new CancellationTokenSource(Hold);
            if (banner == "ssh")
            {
                // Server first (RFC 4253 section 4.2): the line at once, then whatever the client
                // says is read and dropped until it goes or Hold passes.
                await connection.SendAsync(SshLine, SocketFlags.None, hold.Token);
                while (await connection.ReceiveAsync(buffer, SocketFlags.None, hold.Token) > 0) { }
                return;
            }
            // HTTP: read the request up to the end of its headers (or MaxRequest bytes, or Hold),
            // then answer, whatever was asked, and close.
            int have = 0;
            try
            {
                while (have < MaxRequest)
                {
                    int n = await connection.ReceiveAsync(buffer.AsMemory(have, MaxRequest - have), SocketFlags.None, hold.Token);
                    if (n == 0) break;
                    int from = Math.Max(0, have - 3);
                    have += n;
                    if (buffer.AsSpan(from, have - from).IndexOf(EndOfHeaders) >= 0) break;
                }
            }
            catch (OperationCanceledException)
            {
                // Hold passed without a whole request: answer what came.
            }
            await connection.SendAsync(HttpAnswer, SocketFlags.None, CancellationToken.None);
            connection.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Reset, gone, or held past Hold: close it either way.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            connection.Dispose();
        }
    }

    public void Dispose() => _listener.Dispose();
}
