using System.Numerics;
using RawScan.Targets;

namespace RawScan.Lab.Internal;

/// <summary>
/// Writes an address range the way people and nft read it: "a.b.c.d/len" when it is a CIDR block,
/// else "first-last". Both forms parse back with <see cref="Ipv4Range.Parse"/>.
/// </summary>
internal static class RangeText
{
    public static string Format(Ipv4Range r)
    {
        ulong count = r.Count;
        bool isBlock = BitOperations.IsPow2(count) && ((ulong)r.First & (count - 1)) == 0;
        if (!isBlock) return $"{Ipv4.Format(r.First)}-{Ipv4.Format(r.Last)}";
        return $"{Ipv4.Format(r.First)}/{32 - BitOperations.Log2(count)}";
    }
}
