using System.Runtime.InteropServices;
using RawScan.Interop;
using Xunit;

namespace RawScan.Tests;

public unsafe partial class PrefaultedTests
{
    [LibraryImport("libc", EntryPoint = "mincore", SetLastError = true)]
    private static partial int MinCore(void* address, nuint length, byte* vector);

    /// <summary>Pages of <paramref name="array"/> resident in memory (mincore), and all the pages it spans.</summary>
    private static (long Resident, long Pages) Residency(long[] array)
    {
        long page = Environment.SystemPageSize;
        fixed (long* p = array)
        {
            nint start = (nint)p & ~(nint)(page - 1), end = (nint)(p + array.Length);
            long pages = (end - start + page - 1) / page;
            var vector = new byte[pages];
            fixed (byte* v = vector)
                Assert.Equal(0, MinCore((void*)start, (nuint)(end - start), v));
            return (vector.Count(b => (b & 1) != 0), pages);
        }
    }

    /// <summary>
    /// The table's memory is resident when the constructor returns, not faulted in by the send thread
    /// later: every page the array spans, the first and last partial ones included (this test found the
    /// last page of an array that does not start on a page boundary left untouched).
    /// </summary>
    [Fact]
    public void EveryPageIsResidentAndZeroBeforeUse()
    {
        if (!OperatingSystem.IsLinux()) return;
        const int length = 2 << 20;                                   // 2M longs: 16 MiB
        var array = Prefaulted.Array<long>(length);
        var (resident, pages) = Residency(array);
        Assert.Equal(pages, resident);
        Assert.Equal(length, array.Length);
        Assert.All(new[] { 0, 1, 4095, length / 2, length - 1 }, i => Assert.Equal(0, array[i]));
        Assert.Equal(2, GC.GetGeneration(array));                   // pinned heap: reported as generation 2, never moved
    }
}
