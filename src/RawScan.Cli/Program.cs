using RawScan;
using RawScan.Cli;
using RawScan.Lab;

try
{
    if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
    {
        Console.WriteLine(Help.Text);
        return args.Length == 0 ? 2 : 0;
    }
    switch (args[0])
    {
        case "--version" or "version":
            Console.WriteLine($"rawscan {typeof(Scanner).Assembly.GetName().Version?.ToString(3)} ({RawScan.Interop.PcapDevice.Version})");
            return 0;
        case "scan" when args.Length > 1 && args[1] is "-h" or "--help":
            Console.WriteLine(ScanCommand.Usage);
            return 0;
        case "scan":
            return ScanCommand.Run(args[1..]);
        case "diff":
            return DiffCommand.Run(args[1..]);
        case "merge":
            return MergeCommand.Run(args[1..]);
        case "lab":
            return LabCommand.Run(args[1..], Self.Command);
        default:
            throw new BadInputException("command", args[0], "expected scan, diff, merge or lab (see 'rawscan --help')");
    }
}
catch (BadInputException e)
{
    Console.Error.WriteLine($"rawscan: {e.Message}");
    return 2;
}
catch (ScanSetupException e)
{
    Console.Error.WriteLine($"rawscan: {e.Message}");
    return 1;
}
catch (Exception e)
{
    // A bug: one line with its type, the stack only when asked for (scan --debug).
    Console.Error.WriteLine($"rawscan: internal error: {e.GetType().Name}: {e.Message}");
    if (args.Contains("--debug")) Console.Error.WriteLine(e);
    return 1;
}

internal static class Help
{
    public static string Text { get; } = $"""
        rawscan: a raw-packet port scanner

          rawscan scan TARGETS -p PORTS [options]   SYN-scan TARGETS (see 'rawscan scan --help')
          rawscan diff OLD NEW                      what opened, closed, appeared between two RawScan outputs
          rawscan merge FILE... [-oJ|-oC|-oX|-oG|-oH FILE] [-oA BASE]
                                                    one report from several (shards; any formats, mixed)
          rawscan lab up|down|status [--name NAME]  the built-in isolated lab network (needs root;
                                                    lab up --real-services adds Debian's daemons)
          rawscan --version

        {ScanCommand.Usage}
        """;
}
