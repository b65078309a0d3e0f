using RawScan.Transmit;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// The send path's platform seam: which sender a scan gets for each --send-path, given a batched
/// sender that opens or one that is missing (as on a platform without one), and Linux's answer.
/// </summary>
public class BatchedSenderTests
{
    private static IFrameSink? Missing(string iface, out string? why)
    {
        why = $"nothing batched on {iface} here";
        return null;
    }

    [Fact]
    public void AutoFallsBackToThePortablePathWhenNoBatchedSenderOpens()
    {
        var portable = new CountingSink();
        Assert.Same(portable, BatchedSender.Open(SendPath.Auto, "eth9", Missing, () => portable));
    }

    [Fact]
    public void AutoTakesTheBatchedSenderWhenItOpens()
    {
        var batched = new CountingSink();
        BatchedSender.Opener opens = (string iface, out string? why) => { why = null; return batched; };
        Assert.Same(batched, BatchedSender.Open(SendPath.Auto, "eth9", opens, () => throw new InvalidOperationException("portable path opened too")));
    }

    [Fact]
    public void NativeWithoutABatchedSenderFailsSayingWhy()
    {
        bool portableOpened = false;
        var e = Assert.Throws<ScanSetupException>(() => BatchedSender.Open(SendPath.Native, "eth9", Missing, () => { portableOpened = true; return new CountingSink(); }));
        Assert.Equal("native send path unavailable: nothing batched on eth9 here", e.Message);
        Assert.False(portableOpened);
    }

    [Fact]
    public void PcapNeverTriesTheBatchedSender()
    {
        var portable = new CountingSink();
        BatchedSender.Opener mustNotOpen = (string iface, out string? why) => throw new InvalidOperationException("batched sender tried under --send-path pcap");
        Assert.Same(portable, BatchedSender.Open(SendPath.Pcap, "eth9", mustNotOpen, () => portable));
    }

    /// <summary>On Linux the seam's batched sender is the AF_PACKET shim (opening a socket on lo sends nothing).</summary>
    [NativeFact(root: true)]
    public void OnLinuxTheBatchedSenderIsTheNativeSink()
    {
        using (var sink = BatchedSender.TryOpen("lo", out string? why))
        {
            Assert.Null(why);
            Assert.IsType<NativeSink>(sink);
            Assert.Equal("native", sink!.Name);
        }
        Assert.Null(BatchedSender.TryOpen("rawscan-nope0", out string? missing));
        Assert.Contains("rawscan-nope0", missing);
    }
}
