using System.Buffers.Binary;
using RawScan.Probes;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// The SYN cookie over IPv6: SipHash-2-4 over both 128-bit addresses, the ports and the protocol
/// (40 bytes), same key as IPv4. Checked against the general SipHash over the serialized message,
/// and for dependence on every one of the 256 address bits, the ports, the protocol and the key.
/// </summary>
public class Cookie6Tests
{
    private const ulong K0 = 0x0706050403020100UL, K1 = 0x0f0e0d0c0b0a0908UL;
    private static readonly SynCookie Cookie = new(K0, K1);
    private static readonly UInt128 Src = Ipv6.Parse("2001:db8:ff::2"), Dst = Ipv6.Parse("2001:db8:1::1234");

    /// <summary>The 40-byte form equals the general form over the same bytes (the paper's vectors check the general form: CookieTests).</summary>
    [Fact]
    public void FortyByteFormEqualsGeneralForm()
    {
        var rng = new Random(40);
        var buf = new byte[40];
        for (int i = 0; i < 1000; i++)
        {
            rng.NextBytes(buf);
            Assert.Equal(SipHash.Hash(K0, K1, buf), SipHash.Hash40(K0, K1,
                BitConverter.ToUInt64(buf), BitConverter.ToUInt64(buf, 8), BitConverter.ToUInt64(buf, 16), BitConverter.ToUInt64(buf, 24), BitConverter.ToUInt64(buf, 32)));
        }
        // The counting message 00 01 .. 27 as five little-endian words: the byte order of the words is the general form's.
        var message = Enumerable.Range(0, 40).Select(i => (byte)i).ToArray();
        Assert.Equal(SipHash.Hash(K0, K1, message), SipHash.Hash40(K0, K1, 0x0706050403020100, 0x0f0e0d0c0b0a0908, 0x1716151413121110, 0x1f1e1d1c1b1a1918, 0x2726252423222120));
    }

    /// <summary>The cookie is the low 32 bits of SipHash over src (16 bytes), dst (16), sport, dport (2 each, little-endian), protocol, 3 zero bytes.</summary>
    [Fact]
    public void TheCookieIsSipHashOverTheWholeFourTuple()
    {
        var m = new byte[40];
        BinaryPrimitives.WriteUInt64LittleEndian(m, (ulong)(Src >> 64));
        BinaryPrimitives.WriteUInt64LittleEndian(m.AsSpan(8), (ulong)Src);
        BinaryPrimitives.WriteUInt64LittleEndian(m.AsSpan(16), (ulong)(Dst >> 64));
        BinaryPrimitives.WriteUInt64LittleEndian(m.AsSpan(24), (ulong)Dst);
        BinaryPrimitives.WriteUInt16LittleEndian(m.AsSpan(32), 61000);
        BinaryPrimitives.WriteUInt16LittleEndian(m.AsSpan(34), 443);
        m[36] = 17;
        Assert.Equal((uint)SipHash.Hash(K0, K1, m), Cookie.Compute(Src, Dst, 61000, 443, 17));
    }

    /// <summary>The send and receive loops' form, with the scan's source absorbed once, is the same cookie.</summary>
    [Fact]
    public void TheSourceAbsorbedOnceGivesTheSameCookie()
    {
        var rng = new Random(16);
        for (int i = 0; i < 1000; i++)
        {
            UInt128 src = new((ulong)rng.NextInt64(), (ulong)rng.NextInt64()), dst = new((ulong)rng.NextInt64(), (ulong)rng.NextInt64());
            ushort sport = (ushort)rng.Next(65536), dport = (ushort)rng.Next(65536);
            byte protocol = i % 2 == 0 ? (byte)6 : (byte)17;
            Assert.Equal(Cookie.Compute(src, dst, sport, dport, protocol), Cookie.For(src).Compute(dst, sport, dport, protocol));
        }
    }

    [Fact]
    public void TheCookieDiffersWithAnyBitOfEitherAddress()
    {
        uint x = Cookie.Compute(Src, Dst, 61000, 80);
        Assert.Equal(x, Cookie.Compute(Src, Dst, 61000, 80));
        var seen = new HashSet<uint> { x };
        for (int bit = 0; bit < 128; bit++)
        {
            Assert.True(seen.Add(Cookie.Compute(Src ^ (UInt128.One << bit), Dst, 61000, 80)), $"source bit {bit}");
            Assert.True(seen.Add(Cookie.Compute(Src, Dst ^ (UInt128.One << bit), 61000, 80)), $"destination bit {bit}");
        }
        // A fold of the addresses would collide where these do not: the same bit flipped in both
        // halves of one address, or in both addresses, or source and destination swapped.
        for (int bit = 0; bit < 64; bit++)
        {
            var both = (UInt128.One << bit) | (UInt128.One << (bit + 64));
            Assert.True(seen.Add(Cookie.Compute(Src ^ both, Dst, 61000, 80)), $"bit {bit} in both halves");
            Assert.True(seen.Add(Cookie.Compute(Src ^ (UInt128.One << bit), Dst ^ (UInt128.One << bit), 61000, 80)), $"bit {bit} in both addresses");
        }
        Assert.True(seen.Add(Cookie.Compute(Dst, Src, 61000, 80)));
    }

    [Fact]
    public void TheCookieDependsOnThePortsTheProtocolAndTheKey()
    {
        uint x = Cookie.Compute(Src, Dst, 3, 4);
        Assert.NotEqual(x, Cookie.Compute(Src, Dst, 9, 4));
        Assert.NotEqual(x, Cookie.Compute(Src, Dst, 3, 9));
        Assert.NotEqual(x, Cookie.Compute(Src, Dst, 4, 3));
        Assert.NotEqual(x, Cookie.Compute(Src, Dst, 3, 4, 17));
        Assert.NotEqual(x, new SynCookie(K0 + 1, K1).Compute(Src, Dst, 3, 4));
        Assert.NotEqual(x, new SynCookie(K0, K1 + 1).Compute(Src, Dst, 3, 4));
    }

    /// <summary>An IPv4 address and the same number as an IPv6 address are different probes: the message lengths differ, and SipHash hashes the length.</summary>
    [Fact]
    public void TheFamiliesCookiesAreIndependent()
    {
        var rng = new Random(4);
        int same = 0;
        for (int i = 0; i < 10_000; i++)
        {
            uint a = (uint)rng.NextInt64(1L << 32), b = (uint)rng.NextInt64(1L << 32);
            if (Cookie.Compute(a, b, 61000, 80) == Cookie.Compute((UInt128)a, (UInt128)b, 61000, 80)) same++;
        }
        Assert.Equal(0, same);
    }

    /// <summary>Over many random four-tuples the cookies look uniform: each of the 32 bits is set about half the time.</summary>
    [Fact]
    public void CookieBitsAreBalanced()
    {
        var rng = new Random(32);
        var ones = new int[32];
        const int N = 20_000;
        for (int i = 0; i < N; i++)
        {
            var dst = Dst + (UInt128)(ulong)rng.Next(1 << 16);                       // one /112, as a scan walks it
            uint c = Cookie.Compute(Src, dst, (ushort)(61000 + rng.Next(4536)), (ushort)rng.Next(1, 1025));
            for (int b = 0; b < 32; b++) ones[b] += (int)(c >> b) & 1;
        }
        foreach (int n in ones) Assert.InRange(n, N / 2 - 600, N / 2 + 600);     // about 8.5 standard deviations
    }
}
