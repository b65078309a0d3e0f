using System.Runtime.CompilerServices;
using RawScan.Results;
using Xunit;

namespace RawScan.Tests;

public class PortResultTests
{
    /// <summary>Results sit by the million in the result queue and the reports' buffers: the reason and RTT must not grow them.</summary>
    /// <summary>A 16-byte address of either family (IPv4 mapped) is 16-byte aligned: 48 bytes, not 24 as with IPv4 alone.</summary>
    [Fact]
    public void AResultIs48Bytes() => Assert.Equal(48, Unsafe.SizeOf<PortResult>());

    [Theory]
    [InlineData(PortReason.SynAck, "syn-ack")]
    [InlineData(PortReason.Reset, "reset")]
    [InlineData(PortReason.UdpResponse, "udp-response")]
    [InlineData(PortReason.ProtoResponse, "proto-response")]
    [InlineData(PortReason.PortUnreach, "port-unreach")]
    [InlineData(PortReason.AdminProhibited, "admin-prohibited")]
    [InlineData(PortReason.NoResponse, "no-response")]
    public void ReasonsReadAsNmapsWordsAndBack(PortReason reason, string word)
    {
        Assert.Equal(word, reason.Name());
        Assert.True(PortReasonNames.TryParse(word, out var back));
        Assert.Equal(reason, back);
    }

    [Fact]
    public void AHostIsUpWhenItSentAnythingAndResultsReadBackWithoutAReasonGetNmaps()
    {
        Assert.True(new PortResult(1, Protocol.Tcp, 80, PortState.Closed, 64, 0, PortReason.Reset).Answered);
        Assert.True(new PortResult(1, Protocol.Udp, 53, PortState.Filtered, 64, 0, PortReason.AdminProhibited).Answered);
        Assert.False(new PortResult(1, Protocol.Tcp, 80, PortState.Filtered, 0, 0, PortReason.NoResponse).Answered);
        Assert.True(new PortResult(1, Protocol.Tcp, 80, PortState.Closed, 0, 0).Answered);
        Assert.Equal(PortReason.Reset, new PortResult(1, Protocol.Tcp, 80, PortState.Closed, 0, 0).ReasonOrDefault);
        Assert.Equal(PortReason.NoResponse, new PortResult(1, Protocol.Udp, 80, PortState.OpenFiltered, 0, 0).ReasonOrDefault);
        Assert.False(PortReasonNames.TryParse("nonsense", out _));
    }
}
