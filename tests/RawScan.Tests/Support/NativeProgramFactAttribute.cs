using Xunit;

namespace RawScan.Tests;

/// <summary>
/// A test of the published native program itself (its memory, its start-up): it needs RAWSCAN_BIN (what
/// `./run-scan.sh test` and CI give), and root and iproute2 for its labs. Under `dotnet rawscan.dll`
/// the figures would be the JIT runtime's, not the program users run: skipped, saying so.
/// </summary>
public sealed class NativeProgramFactAttribute : FactAttribute
{
    public NativeProgramFactAttribute()
    {
        if (!LabFactAttribute.CanRun) Skip = $"builds network namespaces: needs root (running as {Environment.UserName}) and iproute2";
        else if (Cli.Native is null) Skip = "measures the published native program: set RAWSCAN_BIN to it (./run-scan.sh test does)";
        else if (!File.Exists("/usr/bin/python3")) Skip = "reads the peak RSS through /usr/bin/python3's getrusage";
    }
}
