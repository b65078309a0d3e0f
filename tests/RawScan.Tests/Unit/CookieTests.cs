using RawScan.Probes;
using Xunit;

namespace RawScan.Tests;

public class CookieTests
{
    // Key 00 01 .. 0f, as in the SipHash paper's test vectors.
    private const ulong K0 = 0x0706050403020100UL, K1 = 0x0f0e0d0c0b0a0908UL;

    [Fact]
    public void SipHashPaperVectors()
    {
        // Appendix A of the paper: message 00 01 .. 0e hashes to a129ca6149be45e5; the empty message
        // is the first entry of the reference vectors.h.
        Assert.Equal(0xa129ca6149be45e5UL, SipHash.Hash(K0, K1, Enumerable.Range(0, 15).Select(i => (byte)i).ToArray()));
        Assert.Equal(0x726fdb47dd0e0e31UL, SipHash.Hash(K0, K1, []));
    }

    [Fact]
    public void SixteenByteFormEqualsGeneralForm()
    {
        var rng = new Random(7);
        var buf = new byte[16];
        for (int i = 0; i < 1000; i++)
        {
            rng.NextBytes(buf);
            ulong m0 = BitConverter.ToUInt64(buf), m1 = BitConverter.ToUInt64(buf, 8);
            Assert.Equal(SipHash.Hash(K0, K1, buf), SipHash.Hash16(K0, K1, m0, m1));
        }
    }

    [Fact]
    public void CookieDependsOnEveryFieldAndTheKey()
    {
        var c = new SynCookie(K0, K1);
        uint x = c.Compute(1, 2, 3, 4);
        Assert.Equal(x, c.Compute(1, 2, 3, 4));
        Assert.NotEqual(x, c.Compute(9, 2, 3, 4));
        Assert.NotEqual(x, c.Compute(1, 9, 3, 4));
        Assert.NotEqual(x, c.Compute(1, 2, 9, 4));
        Assert.NotEqual(x, c.Compute(1, 2, 3, 9));
        Assert.NotEqual(x, c.Compute(1, 2, 3, 4, 17));
        Assert.NotEqual(x, new SynCookie(K0 + 1, K1).Compute(1, 2, 3, 4));
    }

    /// <summary>The keys come from the kernel (getrandom), not OpenSSL: every byte filled, never the same twice.</summary>
    [Fact]
    public void KeysAreRandomWhateverTheirLength()
    {
        foreach (int length in new[] { 1, 8, 16, 300, 1 << 20 })
        {
            var a = new byte[length];
            var b = new byte[length];
            RawScan.Interop.SecureRandom.Fill(a);
            RawScan.Interop.SecureRandom.Fill(b);
            if (length >= 8) Assert.False(a.AsSpan().SequenceEqual(b), $"two fills of {length} bytes were equal");
            if (length >= 300) Assert.True(a.Distinct().Count() > 128, "not random-looking");        // 300 random bytes take ~177 distinct values
            // The last bytes too: a short read must not leave the tail zero.
            if (length >= 16) Assert.False(a.AsSpan(length - 16).IndexOfAnyExcept((byte)0) < 0);
        }
        Span<byte> none = [];
        RawScan.Interop.SecureRandom.Fill(none);
        Assert.NotEqual(RawScan.Interop.SecureRandom.NextUInt64(), RawScan.Interop.SecureRandom.NextUInt64());
        var c1 = SynCookie.Random();
        var c2 = SynCookie.Random();
        Assert.NotEqual(c1.Compute(1, 2, 3, 4), c2.Compute(1, 2, 3, 4));
    }
}
