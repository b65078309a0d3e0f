using System.Diagnostics;
using System.Globalization;

namespace RawScan.Lab.Internal;

/// <summary>Starts <c>lab serve</c> in the target namespace, detached, and waits until it listens.</summary>
internal static class ServeLauncher
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Runs <c>setsid ip netns exec TARGET SELF... lab serve NAME --log LOG</c>: a new session, so the
    /// terminal's hangup and Ctrl-C do not reach it. It points its own stdio at /dev/null and the log
    /// first thing (see <see cref="Stdio"/>); until then its output comes here, so a launch that fails
    /// (a wrong self command, a missing runtime) is reported with what it printed.
    /// </summary>
    /// <returns>The service's pid: setsid and ip netns exec both exec in place (setsid forks only
    /// when started as a process group leader, which Process.Start does not do), so it is the pid we started.</returns>
    /// <exception cref="LabException">It exited, or did not listen on every open port within 10 s.</exception>
    public static int Start(LabSpec spec, IReadOnlyList<string> selfCommand, string logPath)
    {
        var psi = new ProcessStartInfo("setsid")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] argv = ["ip", "netns", "exec", spec.TargetNamespace, .. selfCommand, "lab", "serve", spec.Name, "--log", logPath];
        foreach (var a in argv) psi.ArgumentList.Add(a);
        string commandLine = Exec.CommandLine(["setsid", .. argv]);

        using var p = Process.Start(psi) ?? throw new LabException($"'{commandLine}' did not start");
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();

        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (true)
        {
            // A bound UDP socket is ready: what arrives before its thread runs waits in its buffer.
            string[] protocols = spec.HasIpv6 ? ["tcp", "udp", "tcp6", "udp6"] : ["tcp", "udp"];
            var missing = protocols.SelectMany(protocol =>
                (protocol.StartsWith("tcp", StringComparison.Ordinal) ? spec.TcpOpenPorts : spec.UdpOpenPorts)
                    .Except(ListeningPorts(spec.TargetNamespace, protocol, protocol.StartsWith("tcp", StringComparison.Ordinal) ? "0A" : "07"))
                    .Select(port => $"{protocol} {port}")).ToList();
            if (missing.Count == 0) return p.Id;
            if (p.HasExited)
                throw Failed($"exited with code {p.ExitCode}");
            if (DateTime.UtcNow >= deadline)
            {
                p.Kill();
                throw Failed($"was not listening on {string.Join(", ", missing)} after {ReadyTimeout.TotalSeconds:0} s");
            }
            Thread.Sleep(PollInterval);
        }

        LabException Failed(string what)
        {
            p.WaitForExit();
            // Bounded: a process it left behind may hold the pipes open.
            string early = Task.WaitAll([stdout, stderr], TimeSpan.FromSeconds(2))
                ? Exec.OneLine(stderr.Result + "\n" + stdout.Result) : "(its output is still open)";
            string log = File.Exists(logPath) ? Exec.OneLine(string.Join("\n", File.ReadAllLines(logPath).TakeLast(10))) : "(none)";
            return new LabException($"'{commandLine}' {what}; it printed: {early}; serve.log: {log}");
        }
    }

    /// <summary>
    /// Ports bound on the wildcard address (0.0.0.0, or [::] for tcp6 and udp6) in <paramref name="state"/>,
    /// read from the namespace's own /proc/net/tcp, udp, tcp6 or udp6: TCP in LISTEN (0A), the kernel's word that SYNs to them will be answered; UDP
    /// bound and unconnected (07, TCP_CLOSE), so datagrams to them are queued for the responder.
    /// </summary>
    private static HashSet<ushort> ListeningPorts(string ns, string protocol, string state)
    {
        var ports = new HashSet<ushort>();
        foreach (var line in Exec.Run("ip", "netns", "exec", ns, "cat", $"/proc/net/{protocol}").Split('\n').Skip(1))
        {
            // "   0: 00000000:0016 00000000:0000 0A ...": sl, local address:port, remote, state
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 4 || f[3] != state) continue;
            var local = f[1].Split(':');
            if (local[0].All(c => c == '0')) ports.Add(ushort.Parse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        }
        return ports;
    }
}
