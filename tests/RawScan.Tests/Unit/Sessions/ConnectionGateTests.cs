using RawScan.Sessions;
using Xunit;

namespace RawScan.Tests;

/// <summary>The send thread's gate of a --banners scan counts the TCP probes still unsettled as well as the connections.</summary>
public class ConnectionGateTests
{
    [Fact]
    public void ProbesInFlightAndConnectionsShareTheRoom()
    {
        var counters = new ScanCounters();
        var gate = new ConnectionGate(100, counters);      // room while fewer than 75
        Assert.True(gate.HasRoom);
        gate.Sent = 74;
        Assert.True(gate.HasRoom);
        gate.Sent = 75;                                    // 75 probes unsettled: the next waits
        Assert.False(gate.HasRoom);
        counters.Closed = 10; counters.Filtered = 5;        // 15 settled without a connection
        Assert.True(gate.HasRoom);
        counters.Open = 20;                                // 20 SYN-ACKs...
        gate.Set(20);                                      // ...now connections
        Assert.Equal(40, gate.InFlight);
        Assert.Equal(60, gate.InFlight + gate.Open);
        Assert.True(gate.HasRoom);
        gate.Set(35);
        Assert.False(gate.HasRoom);
    }
}
