using System.Runtime.CompilerServices;

namespace RawScan.Interop;

/// <summary>
/// Large arrays the scan's threads share, made resident before the scan starts. An array this size
/// comes from fresh, untouched pages; left so, the hot path pays for them one by one: the first read of
/// a page maps the shared zero page, the first write then copies it and, the process running threads
/// on every CPU, shoots down the other CPUs' TLBs with an IPI. Measured on a 64 MiB four-tuple table:
/// 16% of the send thread's time in a /16 scan went to such faults and flushes, and the first 0.2 s
/// ran at half speed. So: pinned (it never moves), transparent huge pages asked for where Linux offers
/// them (a 2 MiB page also spares the TLB), and every page written once, here.
/// </summary>
internal static class Prefaulted
{
    private const int HugePage = 2 << 20, Page = 4096;

    /// <summary>A zeroed, pinned array of <paramref name="length"/> elements, every page already resident.</summary>
    public static unsafe T[] Array<T>(int length) where T : unmanaged
    {
        var array = GC.AllocateArray<T>(length, pinned: true);
        nuint bytes = (nuint)length * (nuint)sizeof(T);
        if (bytes < HugePage) return array;
        byte* start = (byte*)Unsafe.AsPointer(ref array[0]);
        if (OperatingSystem.IsLinux())
        {
            // madvise wants page-aligned bounds: the whole huge pages inside the array.
            nuint first = ((nuint)start + HugePage - 1) & ~(nuint)(HugePage - 1);
            nuint last = ((nuint)start + bytes) & ~(nuint)(HugePage - 1);
            if (last > first) Libc.Madvise((void*)first, last - first, Libc.MADV_HUGEPAGE); // advice only: a refusal costs nothing
        }
        for (nuint at = 0; at < bytes; at += Page) Volatile.Write(ref start[at], 0);
        Volatile.Write(ref start[bytes - 1], 0);                      // the array need not start on a page: its last one too
        return array;
    }
}
