using RawScan.Interop;
using Xunit;

namespace RawScan.Tests;

/// <summary>The capture handle as the receive loop opens it.</summary>
public class CaptureTests
{
    /// <summary>
    /// An inbound-only capture asks the kernel to skip it for outgoing frames, so the send path does not
    /// clone every probe into it; a capture of both directions must not.
    /// </summary>
    [LabFact]
    public void InboundOnlyCaptureIsSkippedForOutgoingFrames()
    {
        using (var inbound = PcapDevice.Open("lo", new PcapOptions { InboundOnly = true, BufferBytes = 1 << 20 }))
            Assert.True(inbound.IgnoresOutgoing);
        using var both = PcapDevice.Open("lo", new PcapOptions { BufferBytes = 1 << 20 });
        Assert.False(both.IgnoresOutgoing);
    }
}
