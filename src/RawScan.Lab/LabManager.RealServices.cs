using System.Diagnostics;
using System.Globalization;
using RawScan.Lab.Internal;
using RawScan.Lab.Interop;
using RawScan.Targets;

namespace RawScan.Lab;

/// <summary>
/// The real-services host (<c>rawscan lab up --real-services</c>): a third namespace behind the
/// target, with one address of its own, where third-party daemons from Debian packages answer on UDP.
/// </summary>
public static partial class LabManager
{
    private static readonly TimeSpan RealReadyTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Where the real daemons' configs, logs and state live: a subdirectory of the lab's state.</summary>
    public static string RealServicesDirectory(string name) => Path.Combine(StateDirectory(name), "real");

    /// <summary>"daemon pid" per line: the daemons <c>lab down</c> stops by pid.</summary>
    private static string RealPidsPath(string name) => Path.Combine(RealServicesDirectory(name), "pids");

    /// <summary>The ICMP limits of <see cref="TargetSysctls"/>: the closed and the rejected port answer every probe.</summary>
    private static readonly (string Key, string Value)[] RealSysctls = [.. TargetSysctls.Where(s => s.Key.StartsWith("net.ipv4.icmp", StringComparison.Ordinal))];

    /// <summary>
    /// Fails before anything is built if a daemon's program is missing: one line naming each with
    /// its Debian package.
    /// </summary>
    private static void CheckRealServicesInstalled(LabSpec spec)
    {
        // An optional daemon's missing program is not an error: it is skipped when the lab comes up, and said.
        var missing = RealDaemons.Programs(spec).Where(p => !p.Optional && !File.Exists(p.Program)).ToList();
        if (missing.Count > 0)
            throw new LabException("--real-services needs " + string.Join(", ", missing.Select(m => $"{m.Program} (Debian package {m.Package})"))
                + ", not installed ('sudo ./run-scan.sh' installs them)");
    }

    /// <summary>
    /// Builds the real host's namespace and link, and starts its daemons. <paramref name="made"/> gets the
    /// namespace as soon as it exists, so a failure further on removes it with the rest of the lab.
    /// </summary>
    private static void UpRealServices(LabSpec spec, List<string> made)
    {
        string s = spec.ScannerNamespace, t = spec.TargetNamespace, r = spec.RealNamespace;
        Exec.Run("ip", "netns", "add", r);
        made.Add(r);
        Exec.Run("ip", "link", "add", spec.RealGatewayInterface, "netns", t, "type", "veth", "peer", "name", spec.RealInterface, "netns", r);
        Exec.Run("ip", "-n", t, "addr", "add", $"{Ipv4.Format(spec.RealGateway)}/{PrefixLength(spec.RealSubnet)}", "dev", spec.RealGatewayInterface);
        Exec.Run("ip", "-n", r, "addr", "add", $"{Ipv4.Format(spec.RealHost)}/{spec.RealHostPrefixLength}", "dev", spec.RealInterface);
        foreach (var (ns, dev) in new[] { (t, spec.RealGatewayInterface), (r, "lo"), (r, spec.RealInterface) })
            Exec.Run("ip", "-n", ns, "link", "set", dev, "up");
        Exec.Run(["ip", "netns", "exec", t, "ethtool", "-K", spec.RealGatewayInterface, .. OffloadsOff]);
        Exec.Run(["ip", "netns", "exec", r, "ethtool", "-K", spec.RealInterface, .. OffloadsOff]);

        // The scanner reaches the real host through the target, which routes between its two links.
        // The real host has no route at all but its /16 on real0: it asks ARP for the scanner's
        // addresses, and the target answers for them (proxy ARP, at once: the default delay of up to
        // 0.8 s held the first reply of every scan that long).
        Exec.Run("ip", "-n", s, "route", "add", RangeText.Format(spec.RealSubnet), "via", Ipv4.Format(spec.Gateway), "dev", spec.ScannerInterface);
        Exec.Run("ip", "netns", "exec", t, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        Exec.Run("ip", "netns", "exec", t, "sysctl", "-qw", $"net.ipv4.conf.{spec.RealGatewayInterface}.proxy_arp=1");
        Exec.Run("ip", "netns", "exec", t, "sysctl", "-qw", $"net.ipv4.neigh.{spec.RealGatewayInterface}.proxy_delay=0");
        foreach (var (key, value) in RealSysctls)
            if (File.Exists("/proc/sys/" + key.Replace('.', '/')))
                Exec.Run("ip", "netns", "exec", r, "sysctl", "-qw", $"{key}={value}");
        Exec.RunWithInput(NftScripts.Real(spec), "ip", "netns", "exec", r, "nft", "-f", "-");

        string dir = RealServicesDirectory(spec.Name);
        Directory.CreateDirectory(dir);
        var daemons = RealDaemons.Prepare(spec, dir);
        // All started before any is waited for: they get ready side by side (avahi's probing of its
        // name alone takes about a second).
        var skipped = new List<string>();
        foreach (var d in daemons.Where(d => d.Optional && !File.Exists(d.Program)))
            skipped.Add($"{d.Name} {d.Ports}: {d.Program} is not installed (Debian package {d.Package})");
        var started = daemons.Where(d => !d.Optional || File.Exists(d.Program)).Select(d => StartRealDaemon(spec, d, dir)).ToList();
        File.WriteAllLines(RealPidsPath(spec.Name), started.Select(x => $"{x.Daemon.Name} {x.Process.Id}"));
        var versions = Task.Run(() => RealTcpTruth.PackageVersions(spec));
        foreach (var (d, why) in WaitRealDaemonsReady(spec, dir, started))
        {
            skipped.Add($"{d.Name} {d.Ports}: {why}");
            started.RemoveAll(x => x.Daemon == d);
        }
        // Only what runs is recorded: lab down stops these pids, status checks them, and says what was skipped.
        File.WriteAllLines(RealPidsPath(spec.Name), started.Select(x => $"{x.Daemon.Name} {x.Process.Id}"));
        File.WriteAllLines(RealSkippedPath(spec.Name), skipped);
        var skippedNames = skipped.Select(x => x[..x.IndexOf(' ', StringComparison.Ordinal)]).ToHashSet();
        LabTruth.FromSpec(spec).WithRealTcp(RealTcpTruth.For(spec, versions.Result, t => !skippedNames.Contains(t.InstanceName))).Save(TruthPath(spec.Name));
    }

    /// <summary>"daemon ports: why" per line: the optional daemons that did not start.</summary>
    private static string RealSkippedPath(string name) => Path.Combine(RealServicesDirectory(name), "skipped");

    /// <summary>The optional daemons <c>lab up</c> skipped, with why: "mariadbd tcp 3306: exited with code 1 (...)". Empty if none.</summary>
    public static IReadOnlyList<string> RealSkipped(string name) =>
        File.Exists(RealSkippedPath(name)) ? File.ReadAllLines(RealSkippedPath(name)) : [];

    /// <summary>
    /// <c>setsid ip netns exec REAL sh -c WRAPPER rawscan-real DIR LOG PROGRAM ARGS...</c>: a session of
    /// its own (the terminal's hangup and Ctrl-C do not reach it), a private /run (see
    /// <see cref="RealDaemons.Wrapper"/>), its output in DIR/DAEMON.log. setsid (not a group leader
    /// here, so it does not fork), ip netns exec and the wrapper all exec in place, and every daemon
    /// is kept in the foreground: the pid started is the daemon's.
    /// </summary>
    private static Started StartRealDaemon(LabSpec spec, RealDaemon d, string dir)
    {
        string[] argv = ["ip", "netns", "exec", spec.RealNamespace, "sh", "-c", RealDaemons.Wrapper, "rawscan-real", dir, LogPath(dir, d), .. d.Argv];
        var psi = new ProcessStartInfo("setsid")
        {
            // The wrapper's first act is to point its stdio at the log, so these pipes close long
            // before the daemon runs; until then, what ip netns exec or sh say (a missing namespace,
            // a failed mount) comes here, for the error.
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in argv) psi.ArgumentList.Add(a);
        if (d.Setup is string setup) psi.Environment["RAWSCAN_SETUP"] = setup;
        var p = Process.Start(psi) ?? throw new LabException($"'{Exec.CommandLine(["setsid", .. argv[..4], "...", .. d.Argv])}' did not start");
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        return new Started(d, p, Task.WhenAll(stdout, stderr).ContinueWith(_ => stderr.Result + "\n" + stdout.Result, TaskScheduler.Default));
    }

    /// <summary>A daemon started, and what its launch printed before the wrapper sent its output to the log.</summary>
    private sealed record Started(RealDaemon Daemon, Process Process, Task<string> Early);

    private static string LogPath(string dir, RealDaemon d) => Path.Combine(dir, d.Name + ".log");

    /// <summary>
    /// Waits until every daemon's UDP ports are bound and TCP ports listening on the real host (its
    /// address or 0.0.0.0) and, where the daemon says when it is ready, until its log says so. An
    /// optional daemon that exits or is not ready in time is stopped and returned, with why.
    /// </summary>
    /// <exception cref="LabException">A daemon that is not optional exited, or was not ready within 15 s: names it, with the end of its log.</exception>
    /// <summary>Whether the real host's TCP port greets with text holding <paramref name="expect"/> (its first line, read from inside its namespace, half a second at most).</summary>
    private static bool Greets(LabSpec spec, ushort port, string expect)
    {
        var r = Exec.TryRun(null, ["ip", "netns", "exec", spec.RealNamespace, "timeout", "1", "bash", "-c",
            $"exec 3<>/dev/tcp/{Ipv4.Format(spec.RealHost)}/{port.ToString(CultureInfo.InvariantCulture)}; IFS= read -r -t 0.5 line <&3; printf '%s' \"$line\""]);
        return r.StdOut.Contains(expect, StringComparison.Ordinal);
    }

    private static List<(RealDaemon Daemon, string Why)> WaitRealDaemonsReady(LabSpec spec, string dir, IReadOnlyList<Started> started)
    {
        var deadline = DateTime.UtcNow + RealReadyTimeout;
        var given = new List<(RealDaemon, string)>();
        var pending = started.ToList();
        while (true)
        {
            var udp = BoundPorts(spec, "udp", "07");
            var tcp = BoundPorts(spec, "tcp", "0A");
            pending.RemoveAll(x => x.Daemon.UdpPorts.All(udp.Contains) && x.Daemon.TcpPorts.All(tcp.Contains)
                && (x.Daemon.ReadyLine is not string line || ReadLog(dir, x.Daemon).Contains(line, StringComparison.Ordinal))
                && (x.Daemon.ReadyGreeting is not { } g || Greets(spec, g.Port, g.Expect)));
            if (pending.Count == 0) return given;
            if (pending.FirstOrDefault(x => x.Process.HasExited) is Started dead)
            {
                // Bounded: a process it left behind may hold the pipes open.
                string early = dead.Early.Wait(TimeSpan.FromSeconds(2)) ? Exec.OneLine(dead.Early.Result) : "(its output is still open)";
                string why = $"exited with code {dead.Process.ExitCode}" + (early == "(no output)" ? "" : $" ({early})");
                if (!dead.Daemon.Optional) throw Failed(dead.Daemon, why);
                given.Add((dead.Daemon, why + "; its log ends: " + LogEnd(dead.Daemon)));
                pending.Remove(dead);
                continue;
            }
            if (DateTime.UtcNow >= deadline)
            {
                var late = pending.FirstOrDefault(x => !x.Daemon.Optional);
                if (late is not null)
                    throw Failed(late.Daemon, $"was not ready on {late.Daemon.Ports} after {RealReadyTimeout.TotalSeconds:0} s"
                        + (pending.Count > 1 ? $" (nor {string.Join(", ", pending.Where(x => x != late).Select(x => x.Daemon.Name))})" : ""));
                foreach (var x in pending)
                {
                    Libc.Kill(x.Process.Id, Libc.SIGKILL);
                    given.Add((x.Daemon, $"was not ready after {RealReadyTimeout.TotalSeconds:0} s; its log ends: {LogEnd(x.Daemon)}"));
                }
                return given;
            }
            Thread.Sleep(50);
        }

        string LogEnd(RealDaemon d) => Exec.OneLine(string.Join("\n", ReadLog(dir, d).Split('\n').TakeLast(5)));
        LabException Failed(RealDaemon d, string what) => new($"{d.Name} ({d.Ports}) {what}; its log ends: {LogEnd(d)}");
    }

    private static string ReadLog(string dir, RealDaemon d)
    {
        try
        {
            return File.ReadAllText(LogPath(dir, d));
        }
        catch (FileNotFoundException)
        {
            return "";
        }
    }

    /// <summary>
    /// Ports in <paramref name="state"/> (UDP 07: bound and unconnected; TCP 0A: listening) on the real
    /// host's address or 0.0.0.0, from its /proc/net/udp or tcp.
    /// </summary>
    private static HashSet<ushort> BoundPorts(LabSpec spec, string protocol, string state)
    {
        // /proc/net/* writes the address as the 32-bit word in host (little-endian) order, in hex.
        string own = (System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(spec.RealHost)).ToString("X8", CultureInfo.InvariantCulture);
        var ports = new HashSet<ushort>();
        foreach (var line in Exec.Run("ip", "netns", "exec", spec.RealNamespace, "cat", "/proc/net/" + protocol).Split('\n').Skip(1))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 4 || f[3] != state) continue;
            var local = f[1].Split(':');
            if (local[0] == "00000000" || local[0] == own) ports.Add(ushort.Parse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        }
        return ports;
    }

    /// <summary>
    /// The real daemons <c>lab up</c> started, as recorded in its pid file, and whether each is still
    /// running in the real host's namespace (a stale pid may name another process). Empty when the
    /// lab has no real services.
    /// </summary>
    private static IReadOnlyList<RealDaemonInfo> RealDaemonsOf(LabSpec spec, IReadOnlySet<string> present)
    {
        string path = RealPidsPath(spec.Name);
        if (!File.Exists(path)) return [];
        var inNamespace = present.Contains(spec.RealNamespace) ? Netns.Pids(spec.RealNamespace).ToHashSet() : [];
        var list = new List<RealDaemonInfo>();
        foreach (var line in File.ReadAllLines(path))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 2 && int.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                var service = spec.RealServices.FirstOrDefault(s => s.Daemon == f[0]);
                ushort[] tcp = [.. spec.RealTcpServices.Where(t => t.InstanceName == f[0]).Select(t => t.Port)];
                list.Add(new RealDaemonInfo(f[0], service?.Port ?? (tcp.Length > 0 ? tcp[0] : (ushort)0), pid, inNamespace.Contains(pid))
                {
                    Protocol = service is null ? "tcp" : "udp",
                    TcpPorts = tcp,
                });
            }
        }
        return list;
    }

    /// <summary>
    /// Stops the recorded daemons by pid, those still in the real host's namespace: SIGTERM, then
    /// up to 2 s to exit, so each ends as it would be told to (kamailio's main process takes its
    /// children down with it). What is left, forks included, goes with the namespace sweep after.
    /// </summary>
    private static void StopRealDaemons(LabSpec spec, IReadOnlySet<string> present)
    {
        var running = RealDaemonsOf(spec, present).Where(d => d.Alive).ToList();
        foreach (var d in running) Libc.Kill(d.Pid, Libc.SIGTERM);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(2);
        while (DateTime.UtcNow < deadline)
        {
            var left = Netns.Pids(spec.RealNamespace).ToHashSet();
            if (!running.Any(d => left.Contains(d.Pid))) return;
            Thread.Sleep(50);
        }
    }

    private static int PrefixLength(Ipv4Range subnet) => 32 - System.Numerics.BitOperations.Log2(subnet.Count);
}
