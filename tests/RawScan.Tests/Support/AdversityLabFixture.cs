using RawScan.Lab;

namespace RawScan.Tests;

/// <summary>A lab of its own: these tests add loss and forged replies, which the other scans must not see.</summary>
public sealed class AdversityLabFixture : IDisposable
{
    public string Name { get; } = "a" + Convert.ToHexString(BitConverter.GetBytes(Random.Shared.Next())).ToLowerInvariant()[..7];
    public LabInfo? Info { get; }

    public AdversityLabFixture()
    {
        if (LabFactAttribute.CanRun) Info = LabManager.Up(Name, Cli.Command);
    }

    public void Dispose()
    {
        if (Info is not null) LabManager.Down(Name);
    }
}
