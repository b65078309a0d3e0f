using RawScan.Output;
using RawScan.Registry;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>The writers that stream results as they arrive run on the receive thread: they allocate nothing per result.</summary>
public class StreamingWriterAllocationTests
{
    [Theory]
    [InlineData("json")]
    [InlineData("csv")]
    public void WritingAResultAllocatesNothing(string format)
    {
        IReportWriter w = format == "json" ? new JsonLinesWriter(Stream.Null, ServiceRegistry.Default) : new CsvReportWriter(Stream.Null, ServiceRegistry.Default);
        using (w)
        {
            w.Begin(Reports.Header);
            for (int i = 0; i < 1000; i++)                                    // warm-up: first calls, the header, the
                foreach (var r in Reports.Sample) w.OnResult(r);             // encoder's byte buffer at the first flush
            Allocation.AssertNothing(() =>
            {
                for (int i = 0; i < 1000; i++)
                    foreach (var r in Reports.Sample) w.OnResult(r);
                return 1;
            });
        }
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(0xFFFFFFFFu)]
    [InlineData(0xC6120001u)]
    [InlineData(0x0A006409u)]
    [InlineData(0x640A0A63u)]
    public void AddressesFormatAsIPAddressDoes(uint a)
    {
        string expected = new System.Net.IPAddress([(byte)(a >> 24), (byte)(a >> 16), (byte)(a >> 8), (byte)a]).ToString();
        Assert.Equal(expected, Ipv4.Format(a));
        var sw = new StringWriter();
        ReportText.WriteAddress(sw, Ip.V4(a));
        Assert.Equal(expected, sw.ToString());
    }
}
