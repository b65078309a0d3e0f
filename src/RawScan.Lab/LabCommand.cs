using System.Runtime.InteropServices;
using RawScan.Lab.Internal;
using RawScan.Results;
using RawScan.Targets;

namespace RawScan.Lab;

/// <summary>
/// <c>rawscan lab up|down|status [--name NAME]</c>, and the hidden <c>lab serve NAME</c> that
/// <c>up</c> starts inside the target namespace. The CLI hands it the arguments after "lab".
/// </summary>
public static class LabCommand
{
    public const string Usage = """
        usage: rawscan lab up|down|status [--name NAME]
               rawscan lab verify [--name NAME] --results FILE TARGETS -p PORTS
          up       build the isolated lab NAME (default rawscan): network namespaces
                   rawscan-NAME-scan and rawscan-NAME-target, and the target's services
          down     stop its processes and remove its namespaces and state
          status   describe it; exit status 1 if it is not up or its services are not running
          verify   compare a scan's JSON lines (-oJ FILE) of TARGETS x PORTS with the lab's truth;
                   exit status 1 if an open port is missing or anything was reported that is not open
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
                "up" => Up(a.Spec, selfCommand),
                "down" => Down(a.Spec),
                "status" => Status(a.Spec),
                "verify" => Verify(a.Spec, a),
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

    private sealed record Arguments(string Verb, LabSpec Spec, string? Log, string? Results = null, TargetSet? Targets = null, PortSet? Ports = null);

    /// <exception cref="BadInputException">Names the token that is wrong.</exception>
    private static Arguments Parse(string[] args)
    {
        string verb = args[0] switch
        {
            "up" or "down" or "status" or "serve" or "verify" => args[0],
            "-h" or "--help" or "help" => "help",
            _ => throw new BadInputException("lab command", args[0], "expected up, down or status"),
        };
        string? name = null, log = null, results = null, ports = null;
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
            else if (verb == "verify" && arg == "--results") results = Once(results, arg, Value(args, ref i));
            else if (verb == "verify" && arg is "-p" or "--ports") ports = Once(ports, arg, Value(args, ref i));
            else if (verb == "verify" && !arg.StartsWith('-')) targets.Add(arg);
            else throw new BadInputException("argument", arg, $"lab {verb} takes only --name NAME");
        }
        if (verb != "verify") return new Arguments(verb, LabSpec.For(name ?? LabSpec.DefaultName), log);
        if (results is null) throw new BadInputException("lab command", "verify", "needs --results FILE");
        if (targets.Count == 0 || ports is null) throw new BadInputException("lab command", "verify", "needs the scan's TARGETS and -p PORTS");
        return new Arguments(verb, LabSpec.For(name ?? LabSpec.DefaultName), null, results, TargetSet.Parse(targets), PortSet.Parse(ports));
    }

    private static string Value(string[] args, ref int i) =>
        ++i < args.Length ? args[i] : throw new BadInputException("option", args[i - 1], "needs a value");

    private static string Once(string? previous, string option, string value) =>
        previous is null ? value : throw new BadInputException("option", option, "given twice");

    private static int Up(LabSpec spec, IReadOnlyList<string> selfCommand)
    {
        var info = LabManager.Up(spec.Name, selfCommand);
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
        Console.WriteLine($"lab {spec.Name} is up");
        Describe(spec, info);
        return info.ServeAlive ? 0 : 1;
    }

    private static void Describe(LabSpec spec, LabInfo info)
    {
        Console.WriteLine($"  scanner    namespace {info.ScannerNamespace}, interface {info.ScannerInterface}, "
            + $"address {Ipv4.Format(info.ScannerAddress)}/{spec.LinkPrefixLength}, gateway {Ipv4.Format(info.Gateway)}");
        Console.WriteLine($"  source ip  {Ipv4.Format(info.SpareAddress)} (spare: for --source-ip)");
        Console.WriteLine($"  target     namespace {info.TargetNamespace}, answering for {RangeText.Format(spec.LiveRange)}");
        Console.WriteLine($"  services   {(info.ServeAlive ? "running" : "NOT running")}"
            + $"{(info.ServePid is int pid ? $", pid {pid}" : "")}, log {LabManager.ServeLogPath(spec.Name)}");
        Console.WriteLine($"  truth      {info.TruthPath}");
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
            using var reader = File.OpenText(a.Results!);
            found = [.. RawScan.Output.JsonLinesWriter.Read(reader)];
        }
        catch (Exception e) when (e is IOException or FormatException or System.Text.Json.JsonException or KeyNotFoundException)
        {
            throw new BadInputException("results file", a.Results!, e.Message);
        }
        var reported = new Dictionary<(uint, Protocol, ushort), PortState>();
        foreach (var r in found) reported[(r.Address, r.Protocol, r.Port)] = r.State;
        var problems = new List<string>();
        int expectedOpen = 0, foundOpen = 0;
        foreach (var (address, port, state) in truth.Expect(a.Targets!, a.Ports!, Protocol.Tcp))
        {
            bool has = reported.Remove((address, Protocol.Tcp, port), out var got);
            if (state == PortState.Open) expectedOpen++;
            if (has && got == state) { if (state == PortState.Open) foundOpen++; continue; }
            if (state == PortState.Open) problems.Add($"missing: {Ipv4.Format(address)} {port}/tcp open");
            else if (has) problems.Add($"unexpected: {Ipv4.Format(address)} {port}/tcp reported {got.Name()}, the lab has it {state.Name()}");
        }
        foreach (var ((address, proto, port), state) in reported)
            problems.Add($"unexpected: {Ipv4.Format(address)} {port}/{proto.Name()} {state.Name()} is outside the scan");
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
