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
}
