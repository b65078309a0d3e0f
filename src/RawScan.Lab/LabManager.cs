using System.Globalization;
using System.Text.RegularExpressions;
using RawScan.Lab.Internal;
using RawScan.Targets;

namespace RawScan.Lab;

/// <summary>
/// Builds, inspects and tears down labs: two network namespaces joined by one veth pair, the scanner's
/// with no default route and no other link, so scan traffic cannot leave the lab. Needs root.
/// </summary>
/// <remarks>
/// State lives under /run (a tmpfs), like the namespaces themselves: a reboot clears both together.
/// </remarks>
public static partial class LabManager
{
    public const string StateRoot = "/run/rawscan/labs";

    public static string StateDirectory(string name) => Path.Combine(StateRoot, name);

    /// <summary>
    /// Targets' tuning: answer every probe (no ICMP rate limit), and never drop a SYN for want of
    /// queue (cookies always, deep backlogs), so a fast scan's losses are the scanner's alone.
    /// icmp_ratelimit=0 lifts only the per-destination limit; port unreachables (a type in
    /// icmp_ratemask) also draw on the namespace's global token bucket, which refills every 20 ms
    /// and holds at most icmp_msgs_burst tokens: with the default burst of 50 that is ~2,900/s
    /// whatever icmp_msgs_per_sec says (measured: 14,349 of 500,000 probes at 100k/s), so both are raised.
    /// </summary>
    private static readonly (string Key, string Value)[] TargetSysctls =
    [
        ("net.ipv4.icmp_ratelimit", "0"),
        ("net.ipv4.icmp_msgs_per_sec", "1000000"), // absent before Linux 4.x: skipped then
        ("net.ipv4.icmp_msgs_burst", "1000000"),
        ("net.core.somaxconn", "65535"),
        ("net.ipv4.tcp_max_syn_backlog", "65535"),
        ("net.ipv4.tcp_syncookies", "2"),
        // IPv6: icmp.ratelimit=0 lifts ICMPv6's per-destination limit (its global bucket is the
        // icmp_msgs_* pair above, shared with ICMP). ip_nonlocal_bind lets the UDP responders send from
        // an address the target only routes to itself (IPV6_PKTINFO checks the source is configured
        // unless it is set; IPv4's IP_PKTINFO takes any local-route address).
        ("net.ipv6.icmp.ratelimit", "0"),
        ("net.ipv6.ip_nonlocal_bind", "1"),
    ];

    /// <summary>
    /// IPv6 defaults in both namespaces, set before the veth pair exists so its ends are born with
    /// them (a new interface copies conf/default): no duplicate address detection, so addresses work
    /// at once (the ones we add also say nodad; the link-local ones the kernel makes cannot); no
    /// router solicitations and no router advertisements taken, so nothing asks for or learns a
    /// default route; unsolicited MLD reports (the joins of each address's solicited-node group,
    /// which cannot be turned off) sent at once rather than spread over a second, so they have
    /// crossed the link (measured: all 8 within 23 ms of the first; 0.94 s with the default intervals) before the lab is handed over.
    /// </summary>
    private static readonly (string Key, string Value)[] Ipv6Defaults =
    [
        ("net.ipv6.conf.all.accept_dad", "0"),
        ("net.ipv6.conf.default.accept_dad", "0"),
        ("net.ipv6.conf.all.accept_ra", "0"),
        ("net.ipv6.conf.default.accept_ra", "0"),
        ("net.ipv6.conf.all.router_solicitations", "0"),
        ("net.ipv6.conf.default.router_solicitations", "0"),
        ("net.ipv6.conf.default.mldv1_unsolicited_report_interval", "0"),
        ("net.ipv6.conf.default.mldv2_unsolicited_report_interval", "0"),
    ];

    /// <summary>
    /// Veth offloads off: with them on, frames cross the pair with partial checksums (the sender
    /// leaves them to hardware that is not there), so what the lab's captures show (tcpdump, tshark,
    /// the tests' decoders) would carry checksums no real wire has. RawScan itself does not check a
    /// reply's checksums: the cookie is the proof, as in masscan and zmap (ReplyMatchingTests).
    /// </summary>
    private static readonly string[] OffloadsOff = ["tx", "off", "rx", "off", "gso", "off", "tso", "off", "gro", "off"];

    /// <summary>The hex CPU mask of every CPU this process may run on, as rps_cpus wants it.</summary>
    private static string AllCpusMask()
    {
        int n = Math.Clamp(Environment.ProcessorCount, 1, 64);
        return (n == 64 ? ulong.MaxValue : (1UL << n) - 1).ToString("x");
    }

    /// <summary>
    /// Builds the lab <paramref name="name"/> and starts its services; on any failure, removes what it
    /// made and rethrows.
    /// </summary>
    /// <param name="selfCommand">How to start rawscan itself, e.g. ["/usr/bin/rawscan"] or
    /// ["dotnet", "/opt/rawscan/rawscan.dll"]: the services run as <c>SELF lab serve NAME --log LOG</c>.</param>
    /// <exception cref="BadInputException">The name is not valid.</exception>
    /// <exception cref="InvalidOperationException">A lab of that name is (even partly) up.</exception>
    /// <exception cref="LabException">A command failed, or the services did not start.</exception>
    public static LabInfo Up(string name, IReadOnlyList<string> selfCommand) => Up(name, selfCommand, realServices: false);

    /// <inheritdoc cref="Up(string, IReadOnlyList{string})"/>
    /// <param name="realServices">Also build the real-services host (<see cref="LabSpec.RealNamespace"/>)
    /// and start its daemons from Debian packages; they must be installed.</param>
    public static LabInfo Up(string name, IReadOnlyList<string> selfCommand, bool realServices)
    {
        var spec = LabSpec.For(name);
        if (selfCommand.Count == 0) throw new ArgumentException("empty command", nameof(selfCommand));
        string s = spec.ScannerNamespace, t = spec.TargetNamespace, dir = StateDirectory(name);

        var present = Netns.List();
        if (present.Contains(s) || present.Contains(t) || present.Contains(spec.RealNamespace) || Directory.Exists(dir))
            throw new InvalidOperationException($"lab {name} is already up (or partly: 'rawscan lab down --name {name}' clears it)");
        if (realServices) CheckRealServicesInstalled(spec);

        var made = new List<string>();
        bool madeDir = false;
        try
        {
            // 'ip netns add' fails if the name exists, so it is also the claim: two Ups racing for one
            // name cannot both get here, and the loser removes nothing of the winner's.
            Exec.Run("ip", "netns", "add", s);
            made.Add(s);
            Exec.Run("ip", "netns", "add", t);
            made.Add(t);
            foreach (var ns in new[] { s, t })
                Exec.Run(["ip", "netns", "exec", ns, "sysctl", "-qw", .. Ipv6Defaults.Select(d => $"{d.Key}={d.Value}")]);

            // Both ends are created inside their namespaces: never in the host, where the names could
            // collide with another lab's or the host's own interfaces.
            Exec.Run("ip", "link", "add", spec.ScannerInterface, "netns", s, "type", "veth", "peer", "name", spec.TargetInterface, "netns", t);
            Exec.Run("ip", "-n", s, "addr", "add", $"{Ipv4.Format(spec.ScannerAddress)}/{spec.LinkPrefixLength}", "dev", spec.ScannerInterface);
            Exec.Run("ip", "-n", t, "addr", "add", $"{Ipv4.Format(spec.Gateway)}/{spec.LinkPrefixLength}", "dev", spec.TargetInterface);
            Exec.Run("ip", "-n", s, "-6", "addr", "add", $"{Ipv6.Format(spec.ScannerAddress6)}/{spec.LinkPrefixLength6}", "dev", spec.ScannerInterface, "nodad");
            Exec.Run("ip", "-n", t, "-6", "addr", "add", $"{Ipv6.Format(spec.Gateway6)}/{spec.LinkPrefixLength6}", "dev", spec.TargetInterface, "nodad");
            foreach (var (ns, dev) in new[] { (s, "lo"), (s, spec.ScannerInterface), (t, "lo"), (t, spec.TargetInterface) })
                Exec.Run("ip", "-n", ns, "link", "set", dev, "up");

            // The scanner's one route: the live range via the target. No default route, ever.
            string live = RangeText.Format(spec.LiveRange);
            Exec.Run("ip", "-n", s, "route", "add", live, "via", Ipv4.Format(spec.Gateway), "dev", spec.ScannerInterface);
            // The target owns every live address: a local route delivers them all to its own stack.
            Exec.Run("ip", "-n", t, "route", "add", "local", live, "dev", "lo");
            // IPv6 alike: one route to the documentation prefix, no default; the target owns the live
            // /64 by a local route and the assigned range by real addresses too (LabSpec.AssignedRange6).
            Exec.Run("ip", "-n", s, "-6", "route", "add", spec.ScannerRoute6.ToString(), "via", Ipv6.Format(spec.Gateway6), "dev", spec.ScannerInterface);
            Exec.Run("ip", "-n", t, "-6", "route", "add", "local", spec.LiveRange6.ToString(), "dev", "lo");
            Exec.RunWithInput(AssignedAddresses(spec), "ip", "-n", t, "-batch", "-");

            Exec.Run(["ip", "netns", "exec", s, "ethtool", "-K", spec.ScannerInterface, .. OffloadsOff]);
            Exec.Run(["ip", "netns", "exec", t, "ethtool", "-K", spec.TargetInterface, .. OffloadsOff]);
            // Receive packet steering on the target's side, over every CPU: a veth delivers each frame
            // in the sender's own system call, so without it the target's whole TCP/UDP stack runs on
            // the scanner's sending core and the other core idles. A real target's NIC spreads its
            // queues the same way (RSS). It applies to every scanner run in the lab alike; figures in
            // docs/performance.md.
            Exec.Run("ip", "netns", "exec", t, "sh", "-c",
                $"echo {AllCpusMask()} > /sys/class/net/{spec.TargetInterface}/queues/rx-0/rps_cpus");
            foreach (var (key, value) in TargetSysctls)
                if (File.Exists("/proc/sys/" + key.Replace('.', '/')))
                    Exec.Run("ip", "netns", "exec", t, "sysctl", "-qw", $"{key}={value}");

            Exec.RunWithInput(NftScripts.Scanner(spec), "ip", "netns", "exec", s, "nft", "-f", "-");
            Exec.RunWithInput(NftScripts.Target(spec), "ip", "netns", "exec", t, "nft", "-f", "-");

            Directory.CreateDirectory(dir);
            madeDir = true;
            LabTruth.FromSpec(spec).Save(TruthPath(name));
            int pid = ServeLauncher.Start(spec, selfCommand, ServeLogPath(name));
            File.WriteAllText(PidPath(name), $"{pid}\n");
            if (realServices) UpRealServices(spec, made);
            return Status(name) ?? throw new LabException($"lab {name} vanished while it was being built");
        }
        catch (Exception e)
        {
            try
            {
                Remove(made, madeDir ? dir : null);
            }
            catch (Exception cleanup)
            {
                throw new LabException($"{e.Message}; then removing the partial lab failed too: {cleanup.Message}", e);
            }
            throw;
        }
    }

    /// <summary>
    /// <c>ip -batch</c> input configuring each address of <see cref="LabSpec.AssignedRange6"/> as a
    /// /128 on the target's lo: one process for all 256 rather than one each.
    /// </summary>
    internal static string AssignedAddresses(LabSpec spec)
    {
        var r = spec.AssignedRange6;
        if (r.Length < 112) throw new LabException($"{r}: the assigned range is configured address by address; at most a /112");
        var sb = new System.Text.StringBuilder();
        for (UInt128 a = r.First; ; a++)
        {
            sb.Append($"address add {Ipv6.Format(a)}/128 dev lo nodad\n");
            if (a == r.Last) break;
        }
        return sb.ToString();
    }

    /// <summary>
    /// Ends every process in the lab's namespaces (the real daemons first, by their recorded pids),
    /// deletes them (which deletes the veth pairs) and its state. Whatever part of the lab is missing is skipped.
    /// </summary>
    /// <returns>Whether there was anything to remove.</returns>
    /// <exception cref="BadInputException">The name is not valid.</exception>
    /// <exception cref="LabException">Something present could not be removed.</exception>
    public static bool Down(string name)
    {
        var spec = LabSpec.For(name);
        var present = Netns.List();
        var namespaces = new[] { spec.ScannerNamespace, spec.TargetNamespace, spec.RealNamespace }.Where(present.Contains).ToList();
        string dir = StateDirectory(name);
        if (present.Contains(spec.RealNamespace)) StopRealDaemons(spec, present);
        return Remove(namespaces, Directory.Exists(dir) ? dir : null);
    }

    /// <summary>The lab, if both its namespaces exist; null if it is not up.</summary>
    /// <exception cref="BadInputException">The name is not valid.</exception>
    public static LabInfo? Status(string name)
    {
        var spec = LabSpec.For(name);
        var present = Netns.List();
        if (!present.Contains(spec.ScannerNamespace) || !present.Contains(spec.TargetNamespace)) return null;

        int? pid = File.Exists(PidPath(name))
            && int.TryParse(File.ReadAllText(PidPath(name)).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int p) ? p : null;
        // Alive means in the target namespace, not merely existing: a stale pid may name another process.
        bool alive = pid is int servePid && Netns.Pids(spec.TargetNamespace).Contains(servePid);
        bool real = present.Contains(spec.RealNamespace);
        return new LabInfo(spec.Name, spec.ScannerNamespace, spec.TargetNamespace, spec.ScannerInterface,
            spec.ScannerAddress, spec.Gateway, spec.SpareAddress, TruthPath(name), pid, alive, ReadLoss(name),
            real ? spec.RealNamespace : null, real ? spec.RealHost : 0, RealDaemonsOf(spec, present),
            LinkUp: ScannerLinkUp(spec),
            ScannerRoutes6: Exec.TryRun(null, ["ip", "-n", spec.ScannerNamespace, "-6", "route", "show"]).StdOut.Trim(),
            Bottleneck: ReadBottleneck(name));
    }

    /// <summary>
    /// What a scan run inside the lab needs to know, and no more: its namespace and interface, and whether
    /// that interface is gone; null if the lab is not up. One <c>ip</c> run (the link), where
    /// <see cref="Status"/> runs four: a --lab scan's start-up was 20-30 ms longer for them.
    /// </summary>
    /// <exception cref="BadInputException">The name is not valid.</exception>
    public static LabScanSide? ScanSide(string name)
    {
        var spec = LabSpec.For(name);
        if (!Netns.Exists(spec.ScannerNamespace) || !Netns.Exists(spec.TargetNamespace)) return null;
        return new LabScanSide(spec.ScannerNamespace, spec.ScannerInterface, Broken: !ScannerLinkUp(spec));
    }

    /// <summary>Whether the scanner's end of the veth pair is still there (a lab whose link was deleted is broken).</summary>
    private static bool ScannerLinkUp(LabSpec spec) =>
        Exec.TryRun(null, ["ip", "-n", spec.ScannerNamespace, "link", "show", "dev", spec.ScannerInterface]).ExitCode == 0;

    /// <summary>The labs that are up, by name: those with namespaces or state on this host.</summary>
    public static IReadOnlyList<LabInfo> List()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var ns in Netns.List())
            if (NamespaceName().Match(ns) is { Success: true } m) names.Add(m.Groups[1].Value);
        if (Directory.Exists(StateRoot))
            foreach (var d in Directory.EnumerateDirectories(StateRoot)) names.Add(Path.GetFileName(d));
        return [.. names.Where(LabSpec.IsValidName).Select(Status).OfType<LabInfo>()];
    }

    public static string TruthPath(string name) => Path.Combine(StateDirectory(name), "truth.json");

    /// <summary>What the target's service process prints: its ports on start, and any error.</summary>
    public static string ServeLogPath(string name) => Path.Combine(StateDirectory(name), "serve.log");

    private static string PidPath(string name) => Path.Combine(StateDirectory(name), "serve.pid");

    private static bool Remove(IReadOnlyList<string> namespaces, string? stateDir)
    {
        if (namespaces.Count > 0) Netns.KillAll(namespaces);
        foreach (var ns in namespaces) Exec.Run("ip", "netns", "delete", ns);
        if (stateDir is not null) Directory.Delete(stateDir, recursive: true);
        return namespaces.Count > 0 || stateDir is not null;
    }

    [GeneratedRegex("^rawscan-([a-z0-9-]{1,16})-(?:scan|target|real)$")]
    private static partial Regex NamespaceName();
}
