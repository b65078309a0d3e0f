using System.Net;
using System.Net.Sockets;

namespace RawScan.Lab.Internal;

/// <summary>
/// An open TCP port on every address of the namespace: listens on 0.0.0.0, so the target's local
/// route for the whole live range makes each address answer SYNs with SYN-ACKs. Connections a connect
/// scan completes are accepted and closed at once; a SYN scan never completes one.
/// </summary>
internal sealed class TcpAcceptService : ILabService
{
    private const int SolSocket = 1;   // SOL_SOCKET on Linux
    private const int SoReuseAddr = 2; // SO_REUSEADDR on Linux

    /// <summary>The target namespace's somaxconn is raised to match, so a burst of connects is not dropped.</summary>
    private const int Backlog = 65535;

    private readonly Socket _listener;

    public TcpAcceptService(ushort port)
    {
        Description = $"tcp/{port}";
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // SO_REUSEADDR alone, set raw: a restarted serve binds despite connections in TIME_WAIT.
            // .NET's ReuseAddress option would add SO_REUSEPORT, letting a second serve share the
            // port silently instead of failing to bind.
            _listener.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
            _listener.Bind(new IPEndPoint(IPAddress.Any, port));
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
