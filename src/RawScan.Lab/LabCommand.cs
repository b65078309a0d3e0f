using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using RawScan.Lab.Interop;
using RawScan.Lab.Internal;
using RawScan.Results;
using RawScan.Targets;

namespace RawScan.Lab;

/// <summary>
/// <c>rawscan lab up|down|status|verify|loss|bottleneck|forge</c>, and the hidden <c>lab serve NAME</c> and
/// <c>lab forge-run NAME</c> that <c>up</c> and <c>forge</c> start inside the target namespace. The
/// CLI hands it the arguments after "lab".
/// </summary>
public static class LabCommand
{
    public const string Usage = """
        usage: rawscan lab up [--real-services] [--name NAME]
               rawscan lab down|status [--name NAME]
               rawscan lab verify [--name NAME] --results FILE TARGETS -p PORTS [-sS] [-sU]
               rawscan lab loss PERCENT [--name NAME]
               rawscan lab bottleneck PPS|off [--queue] [--name NAME]
               rawscan lab forge [--name NAME] [--rate PPS] [--seconds S] [--count N] [--udp]
          up       build the isolated lab NAME (default rawscan): network namespaces
                   rawscan-NAME-scan and rawscan-NAME-target, and the target's services, answering
                   for 198.18.0.0/16 and 2001:db8:1::/64;
                   --real-services adds rawscan-NAME-real, a host at 198.19.1.1 running Debian's
                   daemons on UDP (socat echo, dnsmasq, tftpd-hpa, rpcbind, chrony, nmbd, snmpd,
                   miniupnpd, kamailio, avahi-daemon, memcached) and on TCP (OpenSSH, nginx with
                   HTTPS, vsftpd, Exim, Dovecot, Redis, rsync, telnetd; MariaDB and PostgreSQL if
                   they start), several on redirected or trojan ports
          down     stop its processes and remove its namespaces and state
          status   describe it; exit status 1 if it is not up or its services are not running
          verify   compare a scan's results (-oJ, -oC, -oX or -oG FILE) of TARGETS x PORTS with the lab's truth;
                   exit status 1 if an open port is missing or anything was reported that is not open
          loss     drop PERCENT (0-100, steps of 0.01; 0 removes it) of the TCP and UDP packets
                   entering the target from the link, at random: the probes, not the replies
          bottleneck
                   drop the TCP and UDP packets entering the target beyond PPS packets/s (a policer,
                   burst 20 ms of PPS); --queue: shape them to PPS behind a 100 ms queue instead, so
                   the RTT rises before anything is dropped; 'off' removes it; one at a time
          forge    send forged SYN-ACKs and RSTs (--udp: UDP answers and ICMP port unreachables) from random lab addresses to the scanner's
                   addresses and source ports (61000-65535), from the target namespace, at --rate
                   PPS (default 10000) until --count N are sent, --seconds S pass, or Ctrl-C
          NAME is 1-16 characters of a-z, 0-9 and '-'. Needs root.
        """;

    /// <summary>Runs a lab command.</summary>
    /// <param name="selfCommand">How to start rawscan again, for <c>up</c> (see <see cref="LabManager.Up"/>).</param>
    /// <returns>0 done, 1 failed (or for status and verify: not up, or not matching), 2 bad usage.</returns>
    public static int Run(string[] args, IReadOnlyList<string> selfCommand)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        Arguments a;
        try
        {
            a = Parse(args);
        }
        catch (BadInputException e)
        {
            Console.Error.WriteLine($"rawscan lab: {e.Message}");
            return 2;
        }
        if (a.Verb == "help")
        {
            Console.WriteLine(Usage);
            return 0;
        }
        try
        {
            return a.Verb switch
            {
                "up" => Up(a.Spec, selfCommand, a.RealServices),
                "down" => Down(a.Spec),
                "status" => Status(a.Spec),
                "verify" => Verify(a.Spec, a),
                "loss" => Loss(a.Spec, a.Loss!.Value),
                "bottleneck" => Bottleneck(a.Spec, a.Bottleneck),
                "forge" => Forge(a.Spec, a.Forge!, selfCommand),
                "forge-run" => ForgeRun(a.Spec, a.Forge!),
                _ => Serve(a.Spec, a.Log),
            };
        }
        catch (Exception e) when (e is LabException or InvalidOperationException or IOException or UnauthorizedAccessException
            or System.Net.Sockets.SocketException)
        {
            Console.Error.WriteLine($"rawscan lab {a.Verb}: {e.Message}");
            return 1;
        }
    }

    private sealed record Arguments(string Verb, LabSpec Spec, string? Log, string? Results = null, TargetSet? Targets = null, ScanPorts? Ports = null,
        double? Loss = null, ForgeOptions? Forge = null, bool RealServices = false, LabBottleneck? Bottleneck = null);

    /// <summary>What to forge: <see cref="Count"/> 0 and <see cref="Seconds"/> 0 mean no limit.</summary>
    private sealed record ForgeOptions(double Rate, long Count, double Seconds, bool Udp);

    public const double DefaultForgeRate = 10_000;

    /// <exception cref="BadInputException">Names the token that is wrong.</exception>
    private static Arguments Parse(string[] args)
    {
        string verb = args[0] switch
        {
            "up" or "down" or "status" or "serve" or "verify" or "loss" or "bottleneck" or "forge" or "forge-run" => args[0],
            "-h" or "--help" or "help" => "help",
            _ => throw new BadInputException("lab command", args[0], "expected up, down, status, verify, loss, bottleneck or forge"),
        };
        string? name = null, log = null, results = null, ports = null, loss = null, rate = null, count = null, seconds = null, pps = null;
        ScanTypes types = 0;
        bool udp = false, realServices = false, queue = false;
        bool forging = verb is "forge" or "forge-run";
        var targets = new List<string>();
        for (int i = 1; i < args.Length; i++)
        {
            string arg = args[i];
            if (verb == "help") throw new BadInputException("argument", arg, "help takes no arguments");
            if (arg is "-h" or "--help") return new Arguments("help", LabSpec.Default, null);
            if (arg == "--name") name = Once(name, arg, Value(args, ref i));
            else if (arg.StartsWith("--name=", StringComparison.Ordinal)) name = Once(name, "--name", arg["--name=".Length..]);
            // Only for serve, as up starts it: "lab serve NAME --log PATH".
            else if (verb == "serve" && arg == "--log") log = Once(log, arg, Value(args, ref i));
            else if (verb == "serve" && !arg.StartsWith('-')) name = Once(name, "NAME", arg);
            else if (verb == "up" && arg == "--real-services") realServices = true;
            else if (verb == "verify" && arg == "--results") results = Once(results, arg, Value(args, ref i));
            else if (verb == "verify" && arg is "-p" or "--ports") ports = Once(ports, arg, Value(args, ref i));
            else if (verb == "verify" && arg == "-sS") types |= ScanTypes.Tcp;
            else if (verb == "verify" && arg == "-sU") types |= ScanTypes.Udp;
            else if (verb == "verify" && !arg.StartsWith('-')) targets.Add(arg);
            // A percentage is never negative, so "-1" is read as the (bad) value, not an option.
            else if (verb == "loss" && (!arg.StartsWith('-') || double.TryParse(arg, CultureInfo.InvariantCulture, out _))) loss = Once(loss, "PERCENT", arg);
            // A rate is never negative either: "-5" is the (bad) PPS.
            else if (verb == "bottleneck" && (!arg.StartsWith('-') || long.TryParse(arg, CultureInfo.InvariantCulture, out _))) pps = Once(pps, "PPS", arg);
            else if (verb == "bottleneck" && arg == "--queue") queue = true;
            else if (forging && arg == "--rate") rate = Once(rate, arg, Value(args, ref i));
            else if (forging && arg == "--count") count = Once(count, arg, Value(args, ref i));
            else if (forging && arg == "--seconds") seconds = Once(seconds, arg, Value(args, ref i));
            else if (forging && arg == "--udp") udp = true;
            // Only for forge-run, as forge starts it: "lab forge-run NAME --rate ...".
            else if (verb == "forge-run" && !arg.StartsWith('-')) name = Once(name, "NAME", arg);
            else throw new BadInputException("argument", arg, verb switch
            {
                "verify" => "lab verify takes --name NAME, --results FILE, TARGETS and -p PORTS",
                "loss" => "lab loss takes PERCENT and --name NAME",
                "bottleneck" => "lab bottleneck takes PPS (or off), --queue and --name NAME",
                "forge" or "forge-run" => "lab forge takes --name NAME, --rate PPS, --seconds S, --count N and --udp",
                "up" => "lab up takes only --name NAME and --real-services",
                _ => $"lab {verb} takes only --name NAME",
            });
        }
        if (verb == "loss")
        {
            if (loss is null) throw new BadInputException("lab command", "loss", "needs PERCENT, e.g. 'rawscan lab loss 5' (0 removes it)");
            return new Arguments(verb, LabSpec.For(name ?? LabSpec.DefaultName), null, Loss: LabManager.ParseLossPercent(loss));
        }
        if (verb == "bottleneck")
        {
            if (pps is null) throw new BadInputException("lab command", "bottleneck", "needs PPS, e.g. 'rawscan lab bottleneck 50000' ('off' removes it)");
            LabBottleneck? b = pps == "off" ? null
                : new LabBottleneck(queue ? BottleneckKind.Queue : BottleneckKind.Policer, LabManager.ParseBottleneckPps(pps));
            return new Arguments(verb, LabSpec.For(name ?? LabSpec.DefaultName), null, Bottleneck: b);
        }
        if (forging)
        {
            var forge = new ForgeOptions(
                rate is null ? DefaultForgeRate : Positive(rate, "--rate", max: 10_000_000),
                count is null ? 0 : long.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n > 0
                    ? n : throw new BadInputException("--count", count, "expected a whole number of packets, at least 1"),
                seconds is null ? 0 : Positive(seconds, "--seconds", max: 365 * 86400),
                udp);
            return new Arguments(verb, LabSpec.For(name ?? LabSpec.DefaultName), null, Forge: forge);
        }
        if (verb != "verify") return new Arguments(verb, LabSpec.For(name ?? LabSpec.DefaultName), log, RealServices: realServices);
        if (results is null) throw new BadInputException("lab command", "verify", "needs --results FILE");
        if (targets.Count == 0 || ports is null) throw new BadInputException("lab command", "verify", "needs the scan's TARGETS and -p PORTS");
        return new Arguments(verb, LabSpec.For(name ?? LabSpec.DefaultName), null, results, TargetSet.Parse(targets),
            ScanPorts.Parse(ports, types == 0 ? ScanTypes.Tcp : types));
    }

    private static string Value(string[] args, ref int i) =>
        ++i < args.Length ? args[i] : throw new BadInputException("option", args[i - 1], "needs a value");

    private static string Once(string? previous, string option, string value) =>
        previous is null ? value : throw new BadInputException("option", option, "given twice");

    private static double Positive(string token, string option, double max) =>
        double.TryParse(token, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double v) && v > 0 && v <= max
            ? v : throw new BadInputException(option, token, $"expected a number above 0, at most {max.ToString(CultureInfo.InvariantCulture)}");

    private static int Up(LabSpec spec, IReadOnlyList<string> selfCommand, bool realServices)
    {
        var info = LabManager.Up(spec.Name, selfCommand, realServices);
        Console.WriteLine($"lab {spec.Name} is up");
        Describe(spec, info);
        return 0;
    }

    private static int Down(LabSpec spec)
    {
        Console.WriteLine(LabManager.Down(spec.Name) ? $"lab {spec.Name} is down" : $"lab {spec.Name} was not up");
        return 0;
    }

    private static int Status(LabSpec spec)
    {
        if (LabManager.Status(spec.Name) is not LabInfo info)
        {
            Console.WriteLine($"lab {spec.Name} is not up");
            return 1;
        }
        if (info.Broken)
        {
            Console.WriteLine($"lab {spec.Name} is broken: its link {info.ScannerInterface} is gone ('rawscan lab down{NameOption(spec)}', then up again)");
            return 1;
        }
        Console.WriteLine($"lab {spec.Name} is up");
        Describe(spec, info);
        return info.ServeAlive && (info.RealNamespace is null || info.RealServicesAlive) ? 0 : 1;
    }

    private static string NameOption(LabSpec spec) => spec.Name == LabSpec.DefaultName ? "" : $" --name {spec.Name}";

    private static void Describe(LabSpec spec, LabInfo info)
    {
        Console.WriteLine($"  scanner    namespace {info.ScannerNamespace}, interface {info.ScannerInterface}, "
            + $"address {Ipv4.Format(info.ScannerAddress)}/{spec.LinkPrefixLength}, gateway {Ipv4.Format(info.Gateway)}");
        Console.WriteLine($"  source ip  {Ipv4.Format(info.SpareAddress)} (spare: for --source-ip)");
        Console.WriteLine($"  target     namespace {info.TargetNamespace}, answering for {RangeText.Format(spec.LiveRange)}");
        Console.WriteLine($"  open tcp   {string.Join(", ", spec.TcpOpenPorts)} (every other port: RST)");
        Console.WriteLine($"  open udp   {string.Join(", ", spec.UdpOpenPorts.Select(p => $"{p} ({LabSpec.UdpServiceName(p) ?? "?"})"))}, replying from the address asked (every other port: ICMP port unreachable)");
        foreach (var rule in spec.FilterRules)
            Console.WriteLine($"  dropped    {RangeText.Format(rule.Addresses)} {rule.Protocol.Name()} {rule.Ports} ({(rule.Protocol == Protocol.Tcp ? "filtered" : "open|filtered")})");
        DescribeIpv6(spec, info);
        Console.WriteLine($"  services   {(info.ServeAlive ? "running" : "NOT running")}"
            + $"{(info.ServePid is int pid ? $", pid {pid}" : "")}, log {LabManager.ServeLogPath(spec.Name)}");
        Console.WriteLine($"  loss       {(info.LossPercent > 0 ? $"{info.LossPercent.ToString("0.##", CultureInfo.InvariantCulture)}% of TCP and UDP packets entering the target, at random ('rawscan lab loss 0' removes it)" : "none")}");
        Console.WriteLine($"  bottleneck {(info.Bottleneck is { } b ? $"{b.Describe()} ('rawscan lab bottleneck off' removes it)" : "none")}");
        Console.WriteLine($"  truth      {info.TruthPath}");
        if (info.RealNamespace is null) return;
        Console.WriteLine($"  real host  namespace {info.RealNamespace}, address {Ipv4.Format(info.RealHost)}/{spec.RealHostPrefixLength} "
            + $"(routed via {Ipv4.Format(spec.Gateway)}), Debian daemons on udp and tcp, configs and logs in {LabManager.RealServicesDirectory(spec.Name)}");
        foreach (var d in (info.RealDaemons ?? []).Where(d => d.Protocol == "udp"))
            Console.WriteLine($"    udp {d.Port,-5}  {d.Daemon,-13} pid {d.Pid}{(d.TcpPorts.Count > 0 ? $" (and tcp {string.Join(", ", d.TcpPorts)})" : "")}{(d.Alive ? "" : " NOT running")}");
        foreach (var d in (info.RealDaemons ?? []).Where(d => d.Protocol == "tcp"))
            Console.WriteLine($"    tcp {string.Join(", ", d.TcpPorts),-12}  {d.Daemon,-18} pid {d.Pid}{(d.Alive ? "" : " NOT running")}");
        foreach (var line in LabManager.RealSkipped(spec.Name))
            Console.WriteLine($"    skipped (optional): {line}");
        Console.WriteLine($"    udp {spec.RealDroppedPort,-5}  dropped (open|filtered), udp {spec.RealRejectedPort}: rejected, admin-prohibited (filtered), "
            + $"udp {spec.RealClosedPort}: closed");
    }

    /// <summary>The IPv6 side: the same open ports, its own addresses, ranges and drops, and the scanner's IPv6 routes as they are.</summary>
    private static void DescribeIpv6(LabSpec spec, LabInfo info)
    {
        if (!spec.HasIpv6) return;
        var assigned = spec.AssignedRange6;
        Console.WriteLine($"  ipv6       scanner {Ipv6.Format(spec.ScannerAddress6)}/{spec.LinkPrefixLength6}, gateway {Ipv6.Format(spec.Gateway6)}, "
            + $"spare {Ipv6.Format(spec.SpareAddress6)} (for --source-ip); no DAD, no router solicitations or advertisements");
        foreach (var route in info.ScannerRoutes6.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            Console.WriteLine($"  ipv6 route {route}");
        Console.WriteLine($"  ipv6 live  {spec.LiveRange6} (a local route on the target): the open tcp and udp ports above, replies from the address asked");
        Console.WriteLine($"  ipv6 /128  {Ipv6.Format(assigned.First)}-{Ipv6.Format(assigned.Last)} configured on the target's lo: closed udp ports there "
            + $"answer port unreachable from the address asked (closed); elsewhere in {spec.LiveRange6} from {Ipv6.Format(spec.Gateway6)} (filtered)");
        foreach (var rule in spec.FilterRules6)
            Console.WriteLine($"  dropped    {rule.Addresses} {rule.Protocol.Name()} {rule.Ports} ({(rule.Protocol == Protocol.Tcp ? "filtered" : "open|filtered")})");
    }

    private static int Loss(LabSpec spec, double percent)
    {
        LabManager.SetLoss(spec.Name, percent);
        Console.WriteLine(percent == 0
            ? $"lab {spec.Name}: no loss"
            : $"lab {spec.Name}: dropping {percent.ToString("0.##", CultureInfo.InvariantCulture)}% of TCP and UDP packets entering the target, at random");
        return 0;
    }

    private static int Bottleneck(LabSpec spec, LabBottleneck? b)
    {
        LabManager.SetBottleneck(spec.Name, b);
        Console.WriteLine($"lab {spec.Name}: {(b is null ? "no bottleneck" : b.Describe())}");
        return 0;
    }

    /// <summary>
    /// Runs <c>ip netns exec TARGET SELF lab forge-run NAME ...</c> in the foreground, sharing our
    /// terminal, and passes SIGTERM on (Ctrl-C reaches it directly, being in our process group).
    /// </summary>
    private static int Forge(LabSpec spec, ForgeOptions o, IReadOnlyList<string> selfCommand)
    {
        if (LabManager.Status(spec.Name) is null)
        {
            Console.Error.WriteLine($"rawscan lab forge: lab {spec.Name} is not up ('rawscan lab up --name {spec.Name}' first)");
            return 1;
        }
        string[] argv = ["ip", "netns", "exec", spec.TargetNamespace, .. selfCommand, "lab", "forge-run", spec.Name,
            "--rate", o.Rate.ToString("R", CultureInfo.InvariantCulture),
            .. o.Count > 0 ? new[] { "--count", o.Count.ToString(CultureInfo.InvariantCulture) } : [],
            .. o.Seconds > 0 ? new[] { "--seconds", o.Seconds.ToString("R", CultureInfo.InvariantCulture) } : [],
            .. o.Udp ? new[] { "--udp" } : []];
        var psi = new ProcessStartInfo(argv[0]) { UseShellExecute = false };
        foreach (var arg in argv.Skip(1)) psi.ArgumentList.Add(arg);
        using var child = Process.Start(psi) ?? throw new LabException($"'{Exec.CommandLine(argv)}' did not start");
        void Pass(PosixSignalContext context)
        {
            context.Cancel = true; // we exit when it has, with its count printed
            Libc.Kill(child.Id, Libc.SIGTERM); // ip netns exec execs in place: the pid is the forger's
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Pass);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Pass);
        child.WaitForExit();
        return child.ExitCode;
    }

    private static int ForgeRun(LabSpec spec, ForgeOptions o)
    {
        using var cts = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true; // stop sending, then say how many went
            cts.Cancel();
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        var clock = Stopwatch.StartNew();
        long sent = LabForger.Run(spec, o.Rate, o.Count, TimeSpan.FromSeconds(o.Seconds), cts.Token, o.Udp);
        Console.WriteLine($"lab {spec.Name}: forged {sent} replies ({(o.Udp ? "UDP answers, ICMP port unreachable" : "SYN-ACK, RST+ACK, RST")}) to "
            + $"{Ipv4.Format(spec.ScannerAddress)} and {Ipv4.Format(spec.SpareAddress)} in {clock.Elapsed.TotalSeconds:0.00} s");
        return 0;
    }

    /// <summary>
    /// Checks a scan's results against the lab's truth: every open pair found, nothing reported that
    /// the truth does not have in that state. Filtered pairs must not be reported at all.
    /// </summary>
    private static int Verify(LabSpec spec, Arguments a)
    {
        var truth = File.Exists(LabManager.TruthPath(spec.Name)) ? LabTruth.Load(LabManager.TruthPath(spec.Name)) : LabTruth.FromSpec(spec);
        List<PortResult> found;
        try
        {
            found = RawScan.Output.ReportReader.Read(a.Results!, out _, out bool cutShort);   // any RawScan format, detected by content
            if (cutShort) Console.Error.WriteLine($"rawscan: {a.Results}: its last line was cut short (its scan was killed while writing it) and is left out");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or System.Text.Json.JsonException or KeyNotFoundException)
        {
            throw new BadInputException("results file", a.Results!, e.Message);
        }
        var reported = new Dictionary<(UInt128, Protocol, ushort), PortState>();
        foreach (var r in found) reported[(r.Address, r.Protocol, r.Port)] = r.State;
        var problems = new List<string>();
        int expectedOpen = 0, foundOpen = 0;
        foreach (var (protocol, ports) in new[] { (Protocol.Tcp, a.Ports!.Tcp), (Protocol.Udp, a.Ports!.Udp) })
            foreach (var (address, port, state) in truth.Expect(a.Targets!, ports, protocol))
            {
                bool has = reported.Remove((address, protocol, port), out var got);
                if (state == PortState.Open) expectedOpen++;
                if (has && got == state) { if (state == PortState.Open) foundOpen++; continue; }
                if (state == PortState.Open) problems.Add($"missing: {Ip.Format(address)} {port}/{protocol.Name()} open");
                else if (has) problems.Add($"unexpected: {Ip.Format(address)} {port}/{protocol.Name()} reported {got.Name()}, the lab has it {state.Name()}");
            }
        foreach (var ((address, proto, port), state) in reported)
            problems.Add($"unexpected: {Ip.Format(address)} {port}/{proto.Name()} {state.Name()} is outside the scan");
        if (problems.Count == 0)
        {
            Console.WriteLine($"verify: the report matches lab {spec.Name}'s truth: {foundOpen} of {expectedOpen} open ports found, 0 missing, 0 unexpected");
            return 0;
        }
        Console.WriteLine($"verify: the report does NOT match lab {spec.Name}'s truth: {foundOpen} of {expectedOpen} open ports found, {problems.Count} problems");
        foreach (var p in problems.Take(20)) Console.WriteLine($"  {p}");
        return 1;
    }

    private static int Serve(LabSpec spec, string? logPath)
    {
        if (logPath is not null) Stdio.Detach(logPath);
        // Anywhere else, the lab's open ports would open on that network, perhaps the host's.
        var here = Exec.Run("ip", "netns", "identify").Split('\n', StringSplitOptions.TrimEntries);
        if (!here.Contains(spec.TargetNamespace))
        {
            Console.Error.WriteLine($"rawscan lab serve: runs only inside network namespace {spec.TargetNamespace} ('rawscan lab up' starts it there)");
            return 1;
        }
        using var cts = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true; // we exit once the services have closed, not at once
            cts.Cancel();
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        return LabServices.Serve(spec, cts.Token);
    }
}
