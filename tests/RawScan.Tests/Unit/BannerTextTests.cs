using RawScan.Output;
using Xunit;

namespace RawScan.Tests;

/// <summary>A banner's printable form: every byte value survives the round trip, and the text is printable ASCII without a line end.</summary>
public sealed class BannerTextTests
{
    [Fact]
    public void EveryByteRoundTripsThroughPrintableAscii()
    {
        var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        string text = BannerText.Encode(all);
        Assert.All(text, c => Assert.InRange(c, ' ', '~'));
        Assert.Equal(all, BannerText.Decode(text));
        Assert.Equal(Findings.Hostile, BannerText.Decode(BannerText.Encode(Findings.Hostile)));
    }

    [Fact]
    public void ReadsAsNmapsBannerScriptDoes()
    {
        Assert.Equal("SSH-2.0-OpenSSH_9.2p1\\r\\n", BannerText.Encode("SSH-2.0-OpenSSH_9.2p1\r\n"u8));
        byte[] bytes = [(byte)'a', (byte)'\\', (byte)'x', (byte)'4', (byte)'1', 0, 0xff, (byte)'\t'];
        Assert.Equal(@"a\\x41\x00\xff\t", BannerText.Encode(bytes));   // a literal backslash doubled: "\\x41" is not the byte 0x41
        Assert.Equal([0x0d, 0x0a], BannerText.Decode("\\x0D\\x0A"));                  // upper-case hex digits, as nmap writes them
    }
}
