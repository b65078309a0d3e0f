using System.Text;
using RawScan.Lab.Internal;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// Port 80's test for the end of a request's headers (<see cref="TcpAcceptService.HeadersEnd"/>), fed
/// the request the way TCP may deliver it: whole, or cut anywhere, even inside "\r\n\r\n".
/// </summary>
public class LabBannerResponderHeadersTests
{
    private static readonly byte[] Request = Encoding.ASCII.GetBytes("GET /x?y HTTP/1.1\r\nHost: 198.18.0.5\r\nUser-Agent: t\r\n\r\n");

    [Fact]
    public void AWholeRequestEndsAtOnce()
    {
        int matched = 0;
        Assert.True(TcpAcceptService.HeadersEnd(Request, ref matched));
    }

    [Fact]
    public void ARequestCutAnywhereEndsWithItsLastPieceAndNotBefore()
    {
        for (int cut1 = 1; cut1 < Request.Length; cut1++)
            for (int cut2 = cut1; cut2 < Request.Length; cut2++)
            {
                int matched = 0;
                Assert.False(TcpAcceptService.HeadersEnd(Request.AsSpan(0, cut1), ref matched));
                if (cut2 > cut1) Assert.False(TcpAcceptService.HeadersEnd(Request.AsSpan(cut1, cut2 - cut1), ref matched));
                Assert.True(TcpAcceptService.HeadersEnd(Request.AsSpan(cut2), ref matched), $"cut at {cut1} and {cut2}");
            }
    }

    [Fact]
    public void OneByteAtATimeEndsAtTheLastByte()
    {
        int matched = 0;
        for (int i = 0; i < Request.Length - 1; i++) Assert.False(TcpAcceptService.HeadersEnd(Request.AsSpan(i, 1), ref matched));
        Assert.True(TcpAcceptService.HeadersEnd(Request.AsSpan(Request.Length - 1), ref matched));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n", "\r\n", true)]
    [InlineData("GET / HTTP/1.1\r\n\r", "\n", true)]
    [InlineData("GET / HTTP/1.1\r\n\r", "\r\n", false)]   // \r\n\r\r\n: no blank line yet
    [InlineData("GET / HTTP/1.1\r", "\n\r\n", true)]
    [InlineData("GET / HTTP/1.1\n", "\n", false)]          // bare LFs are not the end
    [InlineData("GET / HTTP/1.1\r\n", "X\r\n", false)]
    public void APartialEndCarriesOverOnlyWhenContinued(string first, string second, bool ends)
    {
        int matched = 0;
        Assert.False(TcpAcceptService.HeadersEnd(Encoding.ASCII.GetBytes(first), ref matched));
        Assert.Equal(ends, TcpAcceptService.HeadersEnd(Encoding.ASCII.GetBytes(second), ref matched));
    }
}
