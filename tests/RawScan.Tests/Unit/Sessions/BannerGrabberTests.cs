using System.Diagnostics;
using System.Text;
using PacketDotNet;
using RawScan.Banners;
using RawScan.Probes;
using RawScan.Receive;
using RawScan.Results;
using RawScan.Sessions;
using RawScan.Targets;
using RawScan.Transmit;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// The user-mode TCP of --banners, played against a server made of frames: what it sends (decoded by
/// PacketDotNet), what it reports, and that every connection ends with a RST and leaves the table.
/// Port 22 is ssh in the registry, so its plan starts by waiting for the server's greeting.
/// </summary>
public class BannerGrabberTests
{
    private static class Tf { public const byte Fin = 1, Syn = 2, Rst = 4, Psh = 8, Ack = 16; }

    private const uint Me = 0xC6130002, Target = 0xC6120007;     // 198.19.0.2, 198.18.0.7
    private const ushort Ssh = 22, OurPort = 61000;
    private const uint ServerIsn = 0x10000000;

    private sealed class Wire : IFrameSink
    {
        public List<byte[]> Sent { get; } = [];
        public string Name => "test";
        public int Send(FrameBatch batch)
        {
            for (int i = 0; i < batch.Count; i++) Sent.Add(batch.Frame(i).ToArray());
            return batch.Count;
        }
        public void Dispose() { }
        public List<TcpPacket> Segments() => [.. Sent.Select(f => FrameDecoder.Ipv4<TcpPacket>(f).Transport)];
    }

    private sealed class Sink : IResultSink
    {
        public List<(PortResult Result, ServiceFinding? Finding)> Got { get; } = [];
        public void OnResult(in PortResult result) => Got.Add((result, null));
        public void OnService(in PortResult result, ServiceFinding service) => Got.Add((result, service));
    }

    private readonly Wire _wire = new();
    private readonly Sink _sink = new();
    private readonly SynCookie _cookie = new(1, 2);
    private readonly BannerCounters _counters = new();
    private readonly BannerGrabber _grabber;
    private readonly uint _iss;
    private long _now = 1_000_000;

    public BannerGrabberTests() : this(connections: 16) { }

    private BannerGrabberTests(int connections)
    {
        var probes = new ProbeBuilder(new TcpTemplate(Frames.ScannerMac, Frames.TargetMac, Me), _cookie);
        var options = new BannerOptions { Connections = connections, MaxBytes = 64, Wait = TimeSpan.FromSeconds(1), Identifier = new ServiceIdentifier(new StubServiceRegistry()) };
        _grabber = new BannerGrabber(options, new SegmentWriter(Frames.ScannerMac, Frames.TargetMac, Me), probes, new SourcePorts(61000, 65535), _sink, _counters, _wire);
        _iss = _cookie.Compute(Me, Target, OurPort, Ssh);
    }

    private static RawScan.Receive.Packet Parse(byte[] frame) => RawScan.Receive.Packet.TryParse(frame, out var p) ? p : throw new InvalidOperationException("unparsable");

    private static readonly PortResult OpenSsh = new(Target, Protocol.Tcp, Ssh, PortState.Open, 64, 0, PortReason.SynAck);

    private void SynAck()
    {
        var f = Frames.Tcp(Target, Me, Ssh, OurPort, ServerIsn, _iss + 1, (byte)(Tf.Syn | Tf.Ack));
        _grabber.Open(Parse(f), OpenSsh, Ip.V4(Target), position: 42, _now);
        _grabber.Flush();
    }

    private bool Server(uint seqOffset, string data, bool fin = false, uint? ack = null)
    {
        int flags = Tf.Ack | (data.Length > 0 ? Tf.Psh : 0) | (fin ? Tf.Fin : 0);
        var f = Frames.Tcp(Target, Me, Ssh, OurPort, ServerIsn + 1 + seqOffset, ack ?? _iss + 1, (byte)flags, data: Encoding.ASCII.GetBytes(data));
        bool taken = _grabber.TryTake(Parse(f), f, Ip.V4(Target), _now);
        _grabber.Flush();
        return taken;
    }

    private void Pass(TimeSpan t)
    {
        _now += (long)(t.TotalSeconds * Stopwatch.Frequency);
        _grabber.Tick(_now);
        _grabber.Flush();
    }

    [Fact]
    public void AGreetingIsAcknowledgedReadAndTheConnectionReset()
    {
        SynAck();
        var ack = Assert.Single(_wire.Segments());
        Assert.Equal(Tf.Ack, (byte)ack.Flags);
        Assert.Equal(_iss + 1, ack.SequenceNumber);
        Assert.Equal(ServerIsn + 1, ack.AcknowledgmentNumber);
        Assert.Equal(1, _grabber.Gate.Open);
        Assert.Empty(_sink.Got);                                   // the port waits for its banner

        Assert.True(Server(0, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n"));
        var rst = _wire.Segments().Last();
        Assert.Equal(Tf.Rst, (byte)rst.Flags);
        Assert.Equal(_iss + 1, rst.SequenceNumber);                // in window: where the server expects us
        var (result, finding) = Assert.Single(_sink.Got);
        Assert.Equal(OpenSsh, result);
        Assert.Equal("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n", Encoding.ASCII.GetString(finding!.Banner));
        Assert.Equal(0, _grabber.Gate.Open);
        Assert.Equal(1, _counters.WithBanner);
    }

    [Fact]
    public void APartialAnswerIsAcknowledgedAndWaitsForTheRest()
    {
        SynAck();
        Server(0, "SSH-2.0-");
        var ack = _wire.Segments().Last();
        Assert.Equal(Tf.Ack, (byte)ack.Flags);
        Assert.Equal(ServerIsn + 1 + 8, ack.AcknowledgmentNumber);
        Assert.Empty(_sink.Got);
        Server(8, "OpenSSH_9.2p1\r\n");
        Assert.Equal("SSH-2.0-OpenSSH_9.2p1\r\n", Encoding.ASCII.GetString(Assert.Single(_sink.Got).Finding!.Banner));
    }

    [Fact]
    public void ASegmentOutOfOrderIsNotKeptButAnsweredWithWhatIsExpected()
    {
        SynAck();
        Server(5, "later");
        var dup = _wire.Segments().Last();
        Assert.Equal(ServerIsn + 1, dup.AcknowledgmentNumber);
        Assert.Empty(_sink.Got);
        Server(0, "SSH-2.0-x\r\n");
        Assert.Equal("SSH-2.0-x\r\n", Encoding.ASCII.GetString(Assert.Single(_sink.Got).Finding!.Banner));
    }

    [Fact]
    public void ARepeatedSynAckMeansOurAckWasLostAndGetsItAgain()
    {
        SynAck();
        var f = Frames.Tcp(Target, Me, Ssh, OurPort, ServerIsn, _iss + 1, (byte)(Tf.Syn | Tf.Ack));
        Assert.True(_grabber.TryTake(Parse(f), f, Ip.V4(Target), _now));
        _grabber.Flush();
        Assert.Equal(2, _wire.Segments().Count(s => s.Flags == Tf.Ack && s.AcknowledgmentNumber == ServerIsn + 1));
    }

    [Fact]
    public void ABannerLongerThanTheLimitIsCutAndTheConnectionReset()
    {
        SynAck();
        Server(0, new string('x', 100));                           // no line end: only the 64-byte limit ends it
        var finding = Assert.Single(_sink.Got).Finding!;
        Assert.Equal(64, finding.Banner.Length);
        Assert.Equal(Tf.Rst, (byte)_wire.Segments().Last().Flags);
    }

    [Fact]
    public void AServerThatClosesHasItsBannerKeptAndGetsARstSoItDoesNotWaitInLastAck()
    {
        SynAck();
        Server(0, "bye", fin: true);
        var (_, finding) = Assert.Single(_sink.Got);
        Assert.Equal("bye", Encoding.ASCII.GetString(finding!.Banner));
        var rst = _wire.Segments().Last();
        Assert.Equal(Tf.Rst, (byte)rst.Flags);
        Assert.Equal(_iss + 1, rst.SequenceNumber);
    }

    [Fact]
    public void AServerThatResetsGetsNothingMore()
    {
        SynAck();
        Server(0, "SSH-2.0-");
        int before = _wire.Sent.Count;
        var rst = Frames.Tcp(Target, Me, Ssh, OurPort, ServerIsn + 1 + 8, 0, Tf.Rst);
        Assert.True(_grabber.TryTake(Parse(rst), rst, Ip.V4(Target), _now));
        _grabber.Flush();
        Assert.Equal(before, _wire.Sent.Count);
        Assert.Equal("SSH-2.0-", Encoding.ASCII.GetString(Assert.Single(_sink.Got).Finding!.Banner));
    }

    [Fact]
    public void SilenceEndsEveryStepAndThePortIsReportedWithoutABanner()
    {
        SynAck();
        for (int i = 0; i < 40 && _sink.Got.Count == 0; i++) Pass(TimeSpan.FromMilliseconds(250));   // ten seconds at most
        var (result, finding) = Assert.Single(_sink.Got);
        Assert.Equal(OpenSsh, result);
        Assert.Empty(finding!.Banner);
        Assert.Equal(ServiceMethod.Table, finding.Method);
        Assert.Equal(0, _grabber.Gate.Open);
        // Every connection it opened (the probe's, and any fresh one a later step needed) ended: its last segment is a RST or an unanswered SYN.
        var last = _wire.Segments().GroupBy(s => s.SourcePort).Select(g => (byte)g.Last().Flags).ToList();
        Assert.All(last, f => Assert.True(f is Tf.Rst or Tf.Syn, $"a connection's last segment was {f}"));
    }

    [Fact]
    public void AResetFromTheServerIsBelievedOnlyInWindow()
    {
        SynAck();
        var stray = Frames.Tcp(Target, Me, Ssh, OurPort, ServerIsn + 999, 0, (byte)Tf.Rst);
        Assert.True(_grabber.TryTake(Parse(stray), stray, Ip.V4(Target), _now));
        Assert.Equal(1, _grabber.Gate.Open);
        Server(0, "SSH-2.0-y\r\n");
        Assert.Single(_sink.Got);
    }

    /// <summary>A grabber with one buffer, held by a first connection; a second SYN-ACK (of 198.18.0.8) opened on it.</summary>
    private static (BannerGrabberTests Grabber, byte[] SynAck, PortResult Result, uint Iss) SecondWhileTheOnlyBufferIsBusy()
    {
        var grabber = new BannerGrabberTests(connections: 1);
        grabber.SynAck();
        uint iss = grabber._cookie.Compute(Me, Target + 1, OurPort, Ssh);
        var synAck = Frames.Tcp(Target + 1, Me, Ssh, OurPort, ServerIsn, iss + 1, Tf.Syn | Tf.Ack);
        var result = OpenSsh with { Address = Ip.V4(Target + 1) };
        grabber._grabber.Open(Parse(synAck), result, Ip.V4(Target + 1), 43, grabber._now);
        return (grabber, synAck, result, iss);
    }

    [Fact]
    public void WithEveryBufferBusyAConnectionWaitsHalfOpenAndStartsWhenOneFrees()
    {
        var (grabber, other, result, otherIss) = SecondWhileTheOnlyBufferIsBusy();
        grabber._grabber.Flush();
        // Nothing sent for the second: its handshake waits (the server keeps it), and its port is not reported yet.
        Assert.Single(grabber._wire.Sent);
        Assert.Empty(grabber._sink.Got);
        Assert.Equal(2, grabber._grabber.Gate.Open);
        // Its SYN-ACK again changes nothing.
        Assert.True(grabber._grabber.TryTake(Parse(other), other, Ip.V4(Target + 1), grabber._now));
        grabber._grabber.Flush();
        Assert.Single(grabber._wire.Sent);
        // The first ends: the second gets the buffer, and our ACK completes its handshake.
        grabber.Server(0, "SSH-2.0-first\r\n");
        var ack = grabber._wire.Segments().Last();
        Assert.Equal(Tf.Ack, (byte)ack.Flags);
        Assert.Equal(otherIss + 1, ack.SequenceNumber);
        Assert.Equal(ServerIsn + 1, ack.AcknowledgmentNumber);
        Assert.Equal(1, grabber._counters.Waited);
        Assert.Equal(1, grabber._grabber.Gate.Open);
    }

    [Fact]
    public void AConnectionStillWaitingWhenTheScanEndsIsReportedWithoutABannerAndReset()
    {
        var (grabber, other, result, otherIss) = SecondWhileTheOnlyBufferIsBusy();
        grabber._grabber.CloseAll();
        Assert.Equal(2, grabber._sink.Got.Count);
        Assert.Contains(grabber._sink.Got, g => g.Result == result && g.Finding is null);
        Assert.Contains(grabber._wire.Segments(), s => s.Flags == Tf.Rst && s.SequenceNumber == otherIss + 1);
        Assert.Equal(1, grabber._counters.Skipped);
        Assert.Equal(0, grabber._grabber.Gate.Open);
    }

    [Fact]
    public void AnOpenConnectionHoldsItsProbeBackFromACheckpoint()
    {
        Assert.Equal(ulong.MaxValue, _grabber.LowestPosition);
        SynAck();
        Assert.Equal(42ul, _grabber.LowestPosition);
        Server(0, "SSH-2.0-z\r\n");
        Assert.Equal(ulong.MaxValue, _grabber.LowestPosition);
    }

    [Fact]
    public void ClosingAllReportsEveryPortStillOpenAndResetsItsConnection()
    {
        SynAck();
        Server(0, "SSH-2.0-partial");
        _grabber.CloseAll();
        Assert.Equal("SSH-2.0-partial", Encoding.ASCII.GetString(Assert.Single(_sink.Got).Finding!.Banner));
        Assert.Equal(Tf.Rst, (byte)_wire.Segments().Last().Flags);
        Assert.Equal(0, _grabber.Gate.Open);
    }
}
