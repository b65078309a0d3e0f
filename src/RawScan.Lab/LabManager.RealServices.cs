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
        var missing = RealDaemons.Programs(spec).Where(p => !File.Exists(p.Program)).ToList();
        if (missing.Count > 0)
            throw new LabException("--real-services needs " + string.Join(", ", missing.Select(m => $"{m.Program} (Debian package {m.Service.Package})"))
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
        var started = daemons.Select(d => StartRealDaemon(spec, d, dir)).ToList();
        File.WriteAllLines(RealPidsPath(spec.Name), started.Select(x => $"{x.Daemon.Name} {x.Process.Id}"));
        WaitRealDaemonsReady(spec, dir, started);
    }

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
    /// Waits until every daemon's UDP port is bound on the real host (its address or 0.0.0.0) and,
    /// where the daemon says when it is ready, until its log says so.
    /// </summary>
    /// <exception cref="LabException">One exited, or was not ready within 15 s: names it, with the end of its log.</exception>
    private static void WaitRealDaemonsReady(LabSpec spec, string dir, IReadOnlyList<Started> started)
    {
        var deadline = DateTime.UtcNow + RealReadyTimeout;
        while (true)
        {
            var bound = BoundUdpPorts(spec);
            var waiting = started.Where(x => !bound.Contains(x.Daemon.Service.Port)
                || x.Daemon.ReadyLine is string line && !ReadLog(dir, x.Daemon).Contains(line, StringComparison.Ordinal)).ToList();
            if (waiting.Count == 0) return;
            if (waiting.FirstOrDefault(x => x.Process.HasExited) is Started dead)
            {
                // Bounded: a process it left behind may hold the pipes open.
                string early = dead.Early.Wait(TimeSpan.FromSeconds(2)) ? Exec.OneLine(dead.Early.Result) : "(its output is still open)";
                throw Failed(dead.Daemon, $"exited with code {dead.Process.ExitCode}" + (early == "(no output)" ? "" : $" ({early})"));
            }
            if (DateTime.UtcNow >= deadline)
                throw Failed(waiting[0].Daemon, $"was not ready on udp {waiting[0].Daemon.Service.Port} after {RealReadyTimeout.TotalSeconds:0} s"
                    + (waiting.Count > 1 ? $" (nor {string.Join(", ", waiting.Skip(1).Select(x => x.Daemon.Name))})" : ""));
            Thread.Sleep(50);
        }

        LabException Failed(RealDaemon d, string what) =>
            new($"{d.Name} (udp {d.Service.Port}) {what}; its log ends: {Exec.OneLine(string.Join("\n", ReadLog(dir, d).Split('\n').TakeLast(5)))}");
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

    /// <summary>UDP ports bound and unconnected (state 07) on the real host's address or 0.0.0.0, from its /proc/net/udp.</summary>
    private static HashSet<ushort> BoundUdpPorts(LabSpec spec)
    {
        // /proc/net/udp writes the address as the 32-bit word in host (little-endian) order, in hex.
        string own = (System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(spec.RealHost)).ToString("X8", CultureInfo.InvariantCulture);
        var ports = new HashSet<ushort>();
        foreach (var line in Exec.Run("ip", "netns", "exec", spec.RealNamespace, "cat", "/proc/net/udp").Split('\n').Skip(1))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 4 || f[3] != "07") continue;
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
                list.Add(new RealDaemonInfo(f[0], service?.Port ?? 0, pid, inNamespace.Contains(pid)));
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
