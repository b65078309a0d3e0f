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

/// <summary>A theory over real labs: as <see cref="LabFactAttribute"/>.</summary>
public sealed class LabTheoryAttribute : TheoryAttribute
{
    public LabTheoryAttribute()
    {
        if (!LabFactAttribute.CanRun)
            Skip = $"builds network namespaces: needs root (running as {Environment.UserName}) and iproute2";
    }
}
