using RawScan.Permutation;
using Xunit;

namespace RawScan.Tests;

public class PermutationTests
{
    private static void AssertBijection(ulong n, ulong seed)
    {
        var p = new FeistelPermutation(n, seed);
        var seen = new bool[n];
        for (ulong i = 0; i < n; i++)
        {
            ulong x = p[i];
            // Messages are built only on failure: formatting one per element would dominate the run.
            if (x >= n) Assert.Fail($"n={n} seed={seed}: {i} -> {x} is out of range");
            if (seen[x]) Assert.Fail($"n={n} seed={seed}: {x} visited twice");
            seen[x] = true;
        }
    }

    [Fact]
    public void EverySizeFrom1To5000IsABijection()
    {
        foreach (ulong seed in new ulong[] { 0, 1, 0xdeadbeef })
            for (ulong n = 1; n <= 5000; n++) AssertBijection(n, seed);
    }

    [Fact]
    public void RandomLargeSizesAreBijections()
    {
        var rng = new Random(2544);
        for (int k = 0; k < 6; k++) AssertBijection((ulong)rng.Next(100_000, 3_000_000), (ulong)rng.NextInt64());
        AssertBijection(1 << 20, 7);                               // a perfect square
        AssertBijection((1 << 20) + 1, 7);                         // one past it
    }

    [Fact]
    public void HugeDomainsStayInRangeWithoutRepeats()
    {
        // 2^32 x 65,535 probes: cannot be enumerated in a test, but a sample must stay in range and distinct.
        ulong n = (1UL << 32) * 65535;
        var p = new FeistelPermutation(n, 99);
        var seen = new HashSet<ulong>();
        for (ulong i = 0; i < 200_000; i++) { ulong x = p[i * 7_777_777]; Assert.True(x < n); Assert.True(seen.Add(x)); }
    }

    [Fact]
    public void SeedChangesTheOrderAndConsecutiveProbesSpread()
    {
        const ulong n = 65536;
        var a = new FeistelPermutation(n, 1);
        var b = new FeistelPermutation(n, 2);
        int same = 0, adjacent = 0;
        for (ulong i = 0; i < n; i++)
        {
            if (a[i] == b[i]) same++;
            if (i > 0 && (a[i] >> 8) == (a[i - 1] >> 8)) adjacent++;   // same /24 twice in a row
        }
        Assert.True(same < 20, $"{same} positions agree between two seeds");
        Assert.True(adjacent < 1000, $"{adjacent} consecutive probes stayed in one /24");
    }
}
