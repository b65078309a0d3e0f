using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace RawScan.Probes;

/// <summary>
/// SipHash-2-4 (Aumasson and Bernstein), the keyed hash masscan uses for its SYN cookies: a fast PRF,
/// so a reply's acknowledgement number cannot be forged without the per-scan key.
/// </summary>
internal static class SipHash
{
    /// <summary>The general form over any byte string; used to check <see cref="Hash16"/> and in tests.</summary>
    public static ulong Hash(ulong k0, ulong k1, ReadOnlySpan<byte> data)
    {
        ulong v0 = 0x736f6d6570736575UL ^ k0, v1 = 0x646f72616e646f6dUL ^ k1;
        ulong v2 = 0x6c7967656e657261UL ^ k0, v3 = 0x7465646279746573UL ^ k1;
        int i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            ulong m = BinaryPrimitives.ReadUInt64LittleEndian(data[i..]);
            v3 ^= m; Round(ref v0, ref v1, ref v2, ref v3); Round(ref v0, ref v1, ref v2, ref v3); v0 ^= m;
        }
        ulong last = (ulong)data.Length << 56;
        for (int j = 0; i + j < data.Length; j++) last |= (ulong)data[i + j] << (8 * j);
        v3 ^= last; Round(ref v0, ref v1, ref v2, ref v3); Round(ref v0, ref v1, ref v2, ref v3); v0 ^= last;
        return Finalize(v0, v1, v2, v3);
    }

    /// <summary>SipHash-2-4 of exactly 16 bytes given as two little-endian words: the hot-path cookie form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Hash16(ulong k0, ulong k1, ulong m0, ulong m1)
    {
        ulong v0 = 0x736f6d6570736575UL ^ k0, v1 = 0x646f72616e646f6dUL ^ k1;
        ulong v2 = 0x6c7967656e657261UL ^ k0, v3 = 0x7465646279746573UL ^ k1;
        v3 ^= m0; Round(ref v0, ref v1, ref v2, ref v3); Round(ref v0, ref v1, ref v2, ref v3); v0 ^= m0;
        v3 ^= m1; Round(ref v0, ref v1, ref v2, ref v3); Round(ref v0, ref v1, ref v2, ref v3); v0 ^= m1;
        const ulong last = 16UL << 56;
        v3 ^= last; Round(ref v0, ref v1, ref v2, ref v3); Round(ref v0, ref v1, ref v2, ref v3); v0 ^= last;
        return Finalize(v0, v1, v2, v3);
    }

    /// <summary>
    /// SipHash-2-4 of exactly 40 bytes given as five little-endian words: the IPv6 cookie's form (two
    /// 128-bit addresses, the ports and protocol). Five compressions where the IPv4 form has two.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Hash40(ulong k0, ulong k1, ulong m0, ulong m1, ulong m2, ulong m3, ulong m4) =>
        Finish40(Absorb16(k0, k1, m0, m1), m2, m3, m4);

    /// <summary>The state after the first 16 bytes of a message: a prefix that is the same for many messages is absorbed once.</summary>
    public static State Absorb16(ulong k0, ulong k1, ulong m0, ulong m1)
    {
        ulong v0 = 0x736f6d6570736575UL ^ k0, v1 = 0x646f72616e646f6dUL ^ k1;
        ulong v2 = 0x6c7967656e657261UL ^ k0, v3 = 0x7465646279746573UL ^ k1;
        Compress(ref v0, ref v1, ref v2, ref v3, m0);
        Compress(ref v0, ref v1, ref v2, ref v3, m1);
        return new State(v0, v1, v2, v3);
    }

    /// <summary>The hash of a 40-byte message whose first 16 bytes <paramref name="s"/> absorbed, given its last 24.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Finish40(in State s, ulong m2, ulong m3, ulong m4)
    {
        ulong v0 = s.V0, v1 = s.V1, v2 = s.V2, v3 = s.V3;
        Compress(ref v0, ref v1, ref v2, ref v3, m2);
        Compress(ref v0, ref v1, ref v2, ref v3, m3);
        Compress(ref v0, ref v1, ref v2, ref v3, m4);
        Compress(ref v0, ref v1, ref v2, ref v3, 40UL << 56);
        return Finalize(v0, v1, v2, v3);
    }

    /// <summary>SipHash's four words of internal state.</summary>
    internal readonly record struct State(ulong V0, ulong V1, ulong V2, ulong V3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Compress(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3, ulong m)
    {
        v3 ^= m; Round(ref v0, ref v1, ref v2, ref v3); Round(ref v0, ref v1, ref v2, ref v3); v0 ^= m;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Finalize(ulong v0, ulong v1, ulong v2, ulong v3)
    {
        v2 ^= 0xff;
        Round(ref v0, ref v1, ref v2, ref v3); Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3); Round(ref v0, ref v1, ref v2, ref v3);
        return v0 ^ v1 ^ v2 ^ v3;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3)
    {
        v0 += v1; v1 = BitOperations.RotateLeft(v1, 13); v1 ^= v0; v0 = BitOperations.RotateLeft(v0, 32);
        v2 += v3; v3 = BitOperations.RotateLeft(v3, 16); v3 ^= v2;
        v0 += v3; v3 = BitOperations.RotateLeft(v3, 21); v3 ^= v0;
        v2 += v1; v1 = BitOperations.RotateLeft(v1, 17); v1 ^= v2; v2 = BitOperations.RotateLeft(v2, 32);
    }
}
