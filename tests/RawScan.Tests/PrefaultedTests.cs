using RawScan.Interop;
using Xunit;

namespace RawScan.Tests;

public class PrefaultedTests
{
    private static long ResidentBytes() => long.Parse(File.ReadAllText("/proc/self/statm").Split(' ')[1]) * Environment.SystemPageSize;

    /// <summary>The table's memory is resident when the constructor returns, not faulted in by the send thread later.</summary>
    [Fact]
    public void EveryPageIsResidentAndZeroBeforeUse()
    {
        if (!OperatingSystem.IsLinux()) return;
        const int length = 2 << 20;                                   // 2M longs: 16 MiB
        long before = ResidentBytes();
        var array = Prefaulted.Array<long>(length);
        long grown = ResidentBytes() - before;
        Assert.True(grown >= 15L << 20, $"resident set grew by {grown >> 10} KiB for a 16 MiB array");
        Assert.Equal(length, array.Length);
        Assert.All(new[] { 0, 1, 4095, length / 2, length - 1 }, i => Assert.Equal(0, array[i]));
        Assert.Equal(2, GC.GetGeneration(array));                   // pinned heap: reported as generation 2, never moved
    }
}
