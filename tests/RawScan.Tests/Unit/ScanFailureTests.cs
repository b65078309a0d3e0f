using RawScan.Cli;
using RawScan.Probes;
using RawScan.Results;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// A failure on the send or receive thread keeps its type and stack: the user gets one line naming an
/// unexpected exception's type, and the stack only with --debug. Driven by a dry run (no capture, no
/// packet) whose --packet-trace writer throws on the send thread.
/// </summary>
public class ScanFailureTests
{
    private sealed class ThrowingWriter : StringWriter
    {
        public override void WriteLine(string? value) => throw new InvalidOperationException("trace writer broke");
        public override void Write(string? value) => throw new InvalidOperationException("trace writer broke");
    }

    private sealed class NoSink : IResultSink
    {
        public void OnResult(in PortResult r) { }
    }

    private static ScanOptions DryRun(TextWriter? trace = null) => new()
    {
        Targets = TargetSet.Parse("198.18.0.0/28"), Ports = ScanPorts.Parse("80,443", ScanTypes.Tcp), UdpPayloads = UdpPayloadTable.Default,
        DryRun = true, SourceIp = 0xC6130002, Rate = double.PositiveInfinity, PacketTrace = trace,
    };

    [Fact]
    public void ADryRunHearsNothingAndSendsEveryProbeOnce()
    {
        var s = new Scanner().Run(DryRun(), new NoSink(), CancellationToken.None);
        Assert.Equal(ScanEnd.Completed, s.End);
        Assert.Null(s.Fault);
        Assert.Equal((32L, 32L, 0L, 0L), (s.ProbesPlanned, s.ProbesSent, s.Retransmits, s.Replies));
        Assert.Equal(TimeSpan.Zero, s.SmoothedRtt);
    }

    [Fact]
    public void AnUnexpectedExceptionKeepsItsTypeAndStack()
    {
        var s = new Scanner().Run(DryRun(new ThrowingWriter()), new NoSink(), CancellationToken.None);
        Assert.Equal(ScanEnd.Failed, s.End);
        Assert.IsType<InvalidOperationException>(s.Fault);
        Assert.Contains(nameof(ThrowingWriter), s.Fault!.StackTrace);
        Assert.Equal("InvalidOperationException: trace writer broke", s.Error);

        var quiet = new StringWriter();
        ScanCommand.SayHowItEnded(quiet, s, debug: false);
        Assert.Equal("rawscan: scan failed: InvalidOperationException: trace writer broke; results found so far were written" + Environment.NewLine,
            quiet.ToString());

        var debug = new StringWriter();
        ScanCommand.SayHowItEnded(debug, s, debug: true);
        Assert.StartsWith(quiet.ToString(), debug.ToString());
        Assert.Contains($"at RawScan.Tests.ScanFailureTests.{nameof(ThrowingWriter)}", debug.ToString());
    }

    [Fact]
    public void OurOwnFailuresKeepTheirMessageForTheUser()
    {
        Assert.Equal("sending on scan0 failed: No such device", Scanner.Describe(new IOException("sending on scan0 failed: No such device")));
        Assert.Equal("no route", Scanner.Describe(new ScanSetupException("no route")));
        Assert.Equal("NullReferenceException: Object reference not set to an instance of an object.", Scanner.Describe(new NullReferenceException()));
    }
}
