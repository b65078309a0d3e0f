using RawScan.Output;
using RawScan.Registry;
using RawScan.Results;
using Xunit;

namespace RawScan.Tests;

public class SummaryWriterTests
{
    /// <summary>Open ports counted by class (TCP and UDP apart), by service and by flag; closed ones only by state.</summary>
    [Fact]
    public void CountsOpenPortsByClassServiceAndFlag()
    {
        var w = new SummaryWriter(ServiceRegistry.Default);
        foreach (var r in (PortResult[])[
            Reports.R("198.18.0.1", Protocol.Tcp, 80, PortState.Open, 64), Reports.R("198.18.0.2", Protocol.Tcp, 80, PortState.Open, 64),
            Reports.R("198.18.0.3", Protocol.Tcp, 80, PortState.Open, 64), Reports.R("198.18.0.1", Protocol.Udp, 53, PortState.Open, 64),
            Reports.R("198.18.0.1", Protocol.Tcp, 12345, PortState.Open, 64), Reports.R("198.18.0.1", Protocol.Tcp, 443, PortState.Closed, 64),
            Reports.R("198.18.0.2", Protocol.Tcp, 443, PortState.Closed, 64)])
            w.OnResult(r);
        Assert.Equal(5, w.Count(PortState.Open));
        Assert.Equal(2, w.Count(PortState.Closed));
        var text = new StringWriter();
        w.Write(text, Reports.Summary() with { Open = 5, Closed = 2 });
        var lines = text.ToString().Split('\n');
        Assert.Contains("rawscan: open by class: well-known 4 (tcp 3, udp 1), registered 1, dynamic 0", lines);
        Assert.StartsWith("rawscan: top services: http 3, ", lines.Single(l => l.StartsWith("rawscan: top services:")));
        Assert.Contains("12345/tcp x1 (", lines.Single(l => l.StartsWith("rawscan: flagged open ports:")));
        Assert.DoesNotContain("443", text.ToString());
    }
}
