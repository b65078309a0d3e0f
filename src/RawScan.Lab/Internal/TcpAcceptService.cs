using System.Net;
using System.Net.Sockets;

namespace RawScan.Lab.Internal;

/// <summary>
/// An open TCP port on every address of the namespace, of one family: listens on 0.0.0.0 (or [::],
/// IPv6 only), so the target's local route for the whole live range makes each address answer SYNs
/// with SYN-ACKs. Connections a connect scan completes are accepted and closed at once; a SYN scan
/// never completes one.
/// </summary>
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

    private readonly Socket _listener;

    public TcpAcceptService(ushort port, AddressFamily family = AddressFamily.InterNetwork)
    {
        bool v6 = family == AddressFamily.InterNetworkV6;
        Description = v6 ? $"tcp6/{port}" : $"tcp/{port}";
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
            try
            {
                using var connection = await _listener.AcceptAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                // The client reset the connection while it waited in the backlog: not our failure.
            }
        }
    }

    public void Dispose() => _listener.Dispose();
}
