using Xunit;

namespace RawScan.Tests;

/// <summary>
/// A test that builds real labs: it needs root and iproute2, and is skipped, saying so, without them.
/// CI runs as root, so there these always run.
/// </summary>
public sealed class LabFactAttribute : FactAttribute
{
    private const string IpPath = "/usr/sbin/ip";

    public static bool CanRun => Environment.UserName == "root" && File.Exists(IpPath);

    public LabFactAttribute()
    {
        if (!CanRun)
            Skip = $"builds network namespaces: needs root (running as {Environment.UserName}) and iproute2 ({IpPath})";
    }
}

/// <summary>
/// The classes whose scans assert exact counts against a lab (every open port found, nothing else):
/// they run one after another, with no other test alongside. The lab's target is this same machine's
/// CPUs, so two max-rate scans at once, or a browser starting beside one, measure the machine's
/// overload rather than the scanner (CI saw a /16 UDP sweep lose 5% that way).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LabScans
{
    public const string Name = "lab scans";
}
