using RawScan.Probes;
using Xunit;

namespace RawScan.Tests;

public class ChecksumTests
{
    /// <summary>RFC 1071 section 4.1, written out word by word as the RFC's C does: the reference.</summary>
    private static ushort Rfc1071(byte[] data)
    {
        uint sum = 0;
        int i = 0;
        for (; i + 1 < data.Length; i += 2) sum += (uint)(data[i] << 8 | data[i + 1]);
        if (i < data.Length) sum += (uint)(data[i] << 8);
        while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }

    [Fact]
    public void Rfc1071Example()
    {
        // RFC 1071 section 3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (checksum 220d).
        Assert.Equal(0x220d, Checksum.Compute([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]));
    }

    [Fact]
    public void MatchesReferenceOnRandomData()
    {
        var rng = new Random(1071);
        for (int n = 0; n < 2000; n++)
        {
            var data = new byte[rng.Next(0, 200)];
            rng.NextBytes(data);
            Assert.Equal(Rfc1071(data), Checksum.Compute(data));
        }
    }

    [Fact]
    public void IncrementalUpdateEqualsRecompute()
    {
        // RFC 1624: fill zeroed fields in after the fact and the checksum must equal a full recompute.
        var rng = new Random(1624);
        for (int n = 0; n < 2000; n++)
        {
            var data = new byte[20];
            rng.NextBytes(data);
            data[4] = data[5] = data[16] = data[17] = data[18] = data[19] = 0;
            ushort baseSum = Checksum.Compute(data);
            ushort id = (ushort)rng.Next(65536);
            uint dst = (uint)rng.NextInt64(1L << 32);
            data[4] = (byte)(id >> 8); data[5] = (byte)id;
            data[16] = (byte)(dst >> 24); data[17] = (byte)(dst >> 16); data[18] = (byte)(dst >> 8); data[19] = (byte)dst;
            Assert.Equal(Rfc1071(data), Checksum.Update(baseSum, id + (dst >> 16) + (dst & 0xffff)));
        }
    }
}
