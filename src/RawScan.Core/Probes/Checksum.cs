using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace RawScan.Probes;

/// <summary>
/// The Internet checksum (RFC 1071) and its incremental update (RFC 1624). Sums are kept unfolded in a
/// 64-bit accumulator and folded once at the end, the cheap way to add many 16-bit words.
/// </summary>
public static class Checksum
{
    /// <summary>Adds the bytes of <paramref name="data"/> as big-endian 16-bit words to <paramref name="sum"/>.</summary>
    public static ulong Add(ReadOnlySpan<byte> data, ulong sum = 0)
    {
        int i = 0;
        for (; i + 4 <= data.Length; i += 4) sum += BinaryPrimitives.ReadUInt32BigEndian(data[i..]);
        if (i + 2 <= data.Length) { sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]); i += 2; }
        if (i < data.Length) sum += (ulong)data[i] << 8;
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Fold(ulong sum)
    {
        sum = (sum & 0xffffffff) + (sum >> 32);
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)sum;
    }

    /// <summary>The checksum field value for data whose words sum to <paramref name="sum"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Finish(ulong sum) => (ushort)~Fold(sum);

    public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Add(data));

    /// <summary>
    /// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). Templates keep the varying fields zero when the base
    /// checksum is computed, so per probe only the new fields are added (m = 0, ~m = 0xffff = -0).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Update(ushort baseChecksum, ulong addedWords) => Finish((ushort)~baseChecksum + addedWords);

    /// <summary>Sum of the IPv4 pseudo-header fields that do not depend on the varying addresses.</summary>
    public static ulong PseudoHeader(uint src, uint dst, byte protocol, int length) =>
        (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + protocol + (uint)length;

    /// <summary>
    /// An IPv6 address (host-order <see cref="UInt128"/>) as the sum of its four 32-bit words: the
    /// ones'-complement sum is the same taken 16 or 32 bits at a time (RFC 1071 2(B)), and four
    /// additions into the 64-bit accumulator beat eight.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Words(UInt128 a)
    {
        ulong hi = (ulong)(a >> 64), lo = (ulong)a;
        return (hi >> 32) + (uint)hi + (lo >> 32) + (uint)lo;
    }

    /// <summary>Sum of the IPv6 pseudo-header (RFC 8200 8.1): both addresses, the 32-bit upper-layer length, the next header.</summary>
    public static ulong PseudoHeader6(UInt128 src, UInt128 dst, byte nextHeader, int length) =>
        Words(src) + Words(dst) + (uint)length + nextHeader;
}
