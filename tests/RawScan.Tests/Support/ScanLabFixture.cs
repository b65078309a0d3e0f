using RawScan.Lab;

namespace RawScan.Tests;

/// <summary>One lab for the scans of this class, with a name no other test run uses, taken down after.</summary>
public sealed class ScanLabFixture : IDisposable
{
    public string Name { get; } = "s" + Convert.ToHexString(BitConverter.GetBytes(Random.Shared.Next())).ToLowerInvariant()[..7];
    public LabInfo? Info { get; }
    public LabTruth? Truth { get; }

    public ScanLabFixture()
    {
        if (!LabFactAttribute.CanRun) return;
        Info = LabManager.Up(Name, Cli.Command);
        Truth = LabTruth.Load(Info.TruthPath);
    }

    public void Dispose()
    {
        if (Info is not null) LabManager.Down(Name);
    }
}
