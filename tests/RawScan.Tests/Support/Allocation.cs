using Xunit;

namespace RawScan.Tests;

internal static class Allocation
{
    /// <summary>
    /// <paramref name="work"/> (thousands of calls) allocates nothing in at least one of three rounds, and
    /// less than a byte a call in any. Not simply one round: the runtime itself now and then allocates on
    /// the calling thread (seen: 6-7 KB once in a parallel test run, 0 alone; the likely cause is the thread
    /// whose call tiers a method up starting the tiering worker), while code that allocates per call
    /// allocates in every round.
    /// </summary>
    public static void AssertNothing(Func<long> work)
    {
        var rounds = new long[3];
        for (int r = 0; r < rounds.Length; r++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Assert.True(work() != 0);
            rounds[r] = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.True(rounds.Min() == 0 && rounds.Max() < 10_000, $"allocated {string.Join(", ", rounds)} bytes in three rounds");
    }
}
