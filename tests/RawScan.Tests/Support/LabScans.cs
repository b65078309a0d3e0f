using Xunit;

namespace RawScan.Tests;

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
