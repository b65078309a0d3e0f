using RawScan.Match;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// What a scan makes resident for its replies: the four-tuple table (and the retransmission FIFO of the
/// same length) and the capture ring, each the less of what the rate and what the scan can need.
/// </summary>
public sealed class ScanSizingTests
{
    private const double Max = double.PositiveInfinity;
    private const int MiB = 1 << 20;
    private const ulong Unbounded = ulong.MaxValue;
    private static readonly int Tcp = Scanner.TcpReplyRingBytes;

    [Theory]
    [InlineData(100_000)]
    [InlineData(1)]
    [InlineData(Max)]
    public void OneProbeGetsTheFloors(double rate)
    {
        Assert.Equal(Scanner.MinTableCapacity, Scanner.TableCapacity(rate, 1));
        Assert.Equal(4096, Scanner.MinTableCapacity);
        Assert.Equal(Scanner.MinCaptureBuffer, Scanner.CaptureBuffer(rate, 1, Tcp));
        Assert.Equal(2 * MiB, Scanner.MinCaptureBuffer);
    }

    [Fact]
    public void ASlash16OnOnePortAtMaxGetsWhatItsProbesNeed()
    {
        // 65,536 probes: twice as many slots, and a ring for every reply at once.
        Assert.Equal(1 << 17, Scanner.TableCapacity(Max, 65_536));
        Assert.Equal(16 * MiB, Scanner.CaptureBuffer(Max, 65_536, Tcp));
        // The rate alone would have taken 512k slots and 128 MiB.
        Assert.Equal(1 << 19, Scanner.TableCapacity(Max, Unbounded));
        Assert.Equal(128 * MiB, Scanner.CaptureBuffer(Max, Unbounded, Tcp));
    }

    /// <summary>A scan larger than its rate's needs is sized as before the scan's size counted.</summary>
    [Theory]
    [InlineData(0.01, 4096, 16 * MiB)]
    [InlineData(1_000, 4096, 16 * MiB)]
    [InlineData(10_000, 65_536, 16 * MiB)]
    [InlineData(100_000, 524_288, 16 * MiB)]
    [InlineData(400_000, 2_097_152, 64_000_000)]            // half a second at 320 bytes a reply
    [InlineData(5_000_000, 2_097_152, 128 * MiB)]
    [InlineData(Max, 524_288, 128 * MiB)]
    public void RateBoundScansAreSizedByTheirRate(double rate, int slots, int ring)
    {
        foreach (ulong probes in new[] { 1UL << 32, 1UL << 62, Unbounded })
        {
            Assert.Equal(slots, Scanner.TableCapacity(rate, probes));
            Assert.Equal(ring, Scanner.CaptureBuffer(rate, probes, Tcp));
        }
    }

    /// <summary>A ring is blocks handed over every 4 ms with anything in them: a scan with more replies than 64 gets 64 blocks at least, whatever its bytes.</summary>
    [Theory]
    [InlineData(1, 2 * MiB)]
    [InlineData(8, 2 * MiB)]
    [InlineData(40, 10 * MiB)]
    [InlineData(12_288, 16 * MiB)]              // /20 x 3 ports: 3 MiB by its bytes, too few blocks for 250 ms of lag
    [InlineData(65_536, 16 * MiB)]
    public void TheRingHasBlocksForAQuarterSecondOfLag(ulong probes, int ring) =>
        Assert.Equal(ring, Scanner.CaptureBuffer(20_000, probes, Tcp));

    [Fact]
    public void TheTableIsAPowerOfTwoWithRoomForEveryProbeOfTheScan()
    {
        foreach (ulong probes in new ulong[] { 1, 2, 2047, 2048, 2049, 65_535, 65_536, 65_537, 100_000, 262_144, 262_145, 1 << 24 })
            foreach (double rate in new[] { 1_000, 100_000, Max })
            {
                int slots = Scanner.TableCapacity(rate, probes);
                Assert.True(System.Numerics.BitOperations.IsPow2(slots), $"{slots}");
                Assert.InRange(slots, Scanner.MinTableCapacity, 1 << 21);
                // Either every probe fits below half full (the sender never waits), or the rate's bound holds it.
                Assert.True((ulong)slots >= 2 * probes || slots == Scanner.TableCapacity(rate, Unbounded), $"{probes} probes at {rate}: {slots} slots");
            }
    }

    [Fact]
    public void EveryProbeOfTheScanIsInsertedWithoutWaitingForRoom()
    {
        // All of a scan in flight at once, nothing answered: the table sized for it still takes each one.
        foreach (ulong probes in new ulong[] { 1, 3000, 65_536 })
        {
            var table = new FourTupleTable(Scanner.TableCapacity(Max, probes));
            for (ulong i = 0; i < probes; i++)
            {
                Assert.True(table.HasRoom, $"full after {i} of {probes}");
                Assert.True(table.Insert(FourTupleTable.KeyOf(i * 7919), i, 0) >= 0);
            }
        }
    }

    [Fact]
    public void ARingPerReplyCoversEveryTcpReplyAndAUdpReplyUpToTheSnapLength()
    {
        var tcp = new ScanPorts(PortSet.Parse("80"), PortSet.None);
        var udp = new ScanPorts(PortSet.None, PortSet.Parse("53"));
        var both = new ScanPorts(PortSet.Parse("80"), PortSet.Parse("53"));
        Assert.Equal(256, Scanner.RingBytesPerReply(tcp, 1522));
        // The largest reply a TCP probe draws: an ICMPv6 error quoting our IPv6 SYN (40 + 24 bytes), two VLAN tags.
        Assert.True(Scanner.RingFrameOffset + 14 + 8 + 40 + 8 + 40 + 24 <= Scanner.RingBytesPerReply(tcp, 1522));
        Assert.Equal(1616, Scanner.RingBytesPerReply(udp, 1522));                 // 82 + 1,522, 16-aligned
        Assert.Equal(1616, Scanner.RingBytesPerReply(both, 1522));
        Assert.Equal(9104, Scanner.RingBytesPerReply(udp, 9022));
        // A /16 x UDP 53 at max: whole frames for every reply, still under the rate's 128 MiB.
        Assert.Equal(65_536 * 1616, Scanner.CaptureBuffer(Max, 65_536, 1616));
    }

    [Fact]
    public void ScansWithoutABoundOnTheirRepliesKeepTheRatesRing()
    {
        // --banners: every connection brings segments, so the ring is sized by the rate alone.
        Assert.Equal(16 * MiB, Scanner.CaptureBuffer(100_000, Unbounded, Tcp));
        Assert.Equal(128 * MiB, Scanner.CaptureBuffer(Max, Unbounded, Tcp));
        Assert.Equal(128 * MiB, Scanner.CaptureBuffer(Max, 1UL << 62, 1616));      // no overflow
    }
}
