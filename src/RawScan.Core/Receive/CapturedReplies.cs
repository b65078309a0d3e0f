using System.Diagnostics;
using RawScan.Interop;
using RawScan.Match;
using RawScan.Permutation;
using RawScan.Probes;
using RawScan.Sessions;
using RawScan.Results;
using RawScan.Targets;
using RawScan.Transmit;

namespace RawScan.Receive;

/// <summary>
/// A live scan's reply side: the capture handle, the four-tuple table of probes in flight, the
/// retransmission FIFO over it, and the receive loop on its own thread (rawscan-rx) that proves replies,
/// settles probes and writes every result.
/// </summary>
/// <param name="capture">Opened on the path's interface, inbound only, filtered to our replies; owned from here on.</param>
/// <param name="probes">What the scan sends (first tries): the four-tuple table is sized for no more (<see cref="Scanner.TableCapacity"/>).</param>
internal sealed class CapturedReplies(PcapDevice capture, ulong probes) : ReplySide
{
    private readonly ReceiveClock _clock = new();
    private Listening? _on;
    private Exception? _error;

    /// <summary>What exists once <see cref="Start"/> has run.</summary>
    private sealed record Listening(ReplyWiring Wiring, Retransmission Retransmission, ReceiveLoop Loop, Thread Thread, CheckpointRelay? Checkpoints,
        BannerGrabber? Banners);

    private Listening On => _on ?? throw new InvalidOperationException("the reply side is not started");

    public override void Start(ReplyWiring w)
    {
        var o = w.Options;
        var table = new FourTupleTable(Scanner.TableCapacity(o.Rate, probes));
        var rtt = new RttEstimator(Scanner.MinTimeout, Scanner.InitialTimeout);
        var retransmission = new Retransmission(table, rtt, o.Retries, new ResultQueue(1 << 16), w.Space);
        var matcher = new ReplyMatcher(w.Probes, w.SourcePorts);
        // Checkpoints are asked for by the send thread and saved by this side's receive thread, which writes the results.
        var checkpoints = o.Checkpoint is { } c ? new CheckpointRelay(c, direct: false) : null;
        var reset = o.Reset ? new TcpTemplate(w.Path.Mac, w.NextHopMac, w.Path.SourceIp, flags: TcpTemplate.Rst) : null;
        // --banners: the receive thread's own connections, sending through their own handle to the wire.
        var banners = o.Banners is { } b && w.BannerWire is { } wire
            ? new BannerGrabber(b, new SegmentWriter(w.Path.Mac, w.NextHopMac, w.Path.SourceIp, w.NextHopMac6, w.Path.V6?.SourceIp ?? default),
                new ProbeWriters(w.Probes, w.Probes6), w.SourcePorts, w.Sink, w.BannerCounters ?? new BannerCounters(), wire, w.Counters)
            : null;
        // The plans of the scan's TCP ports are built before the first SYN-ACK needs one (the registry
        // loads in the background; the receive thread would otherwise wait for it at the first open port).
        if (banners is not null && o.Banners?.Identifier is { } identifier)
        {
            var ports = o.Ports.Tcp;
            _ = Task.Run(() => { foreach (var (first, last) in ports.Ranges) for (int port = first; port <= last; port++) identifier.PlanFor((ushort)port); });
        }
        var loop = new ReceiveLoop(capture, matcher, table, w.Space, w.SourcePorts, rtt, retransmission.Filtered, w.Sink, w.Counters, _clock,
            w.Path.AnswerArp ? new ArpIdentity(w.Path.SourceIp, w.Path.Mac) : null, reset, o.PacketTrace,
            idleLagTicks: (Scanner.CaptureBlockTimeoutMs + 10) * Stopwatch.Frequency / 1000, checkpoints: checkpoints,
            v6: w.Path.V6 is { } p6 && w.Probes6 is { } probes6
                ? new Ipv6Replies(new ReplyMatcher6(probes6, w.SourcePorts), p6.SourceIp, w.Path.Mac, p6.AnswerNd,
                    o.Reset ? new Tcp6Template(w.Path.Mac, w.NextHopMac6!, p6.SourceIp, flags: Tcp6Template.Rst) : null)
                : null,
            banners: banners);
        var thread = new Thread(() => { try { loop.Run(); } catch (Exception e) { _error = e; } })
        { Name = "rawscan-rx", IsBackground = true, Priority = ThreadPriority.AboveNormal };
        _on = new Listening(w, retransmission, loop, thread, checkpoints, banners);
        if (checkpoints is not null && banners is not null) checkpoints.Held = () => banners.LowestPosition;
        if (checkpoints is not null) checkpoints.ServerAlive = () => thread.IsAlive;
        thread.Start();
    }

    public override Transmitter SendLoop(ScanSpace space, FeistelPermutation order, ScanOptions o, ProbeWriters probes, SourcePorts sourcePorts,
        IFrameSink sink, RateLimiter limiter, ScanCounters counters, ulong start) =>
        new(space, order, o.Shard, probes, sourcePorts, sink, limiter, counters, start, On.Retransmission, _clock,
            o.Unsettled, On.Checkpoints, o.CheckpointEvery, On.Banners?.Gate, o.AutoRate ? AutoRate(limiter, o) : null);

    /// <summary>--rate auto: the controller sees every first try's outcome through the retransmission sweep; the silent ones of a lossy period get a second chance.</summary>
    private RateController AutoRate(RateLimiter limiter, ScanOptions o)
    {
        var rate = new RateController(limiter, o.Rate, _clock);
        On.Retransmission.Rate = rate;
        On.Retransmission.SecondChance = [];
        return rate;
    }

    public override bool Alive => On.Thread.IsAlive;

    public override Exception? Error => _error;

    public override void Cooldown(CancellationToken ct)
    {
        if (!Alive) return;
        var (w, retransmission) = (On.Wiring, On.Retransmission);
        // Replies to the last probes are still on their way. Cut short by Ctrl-C or a failed receiver;
        // with the default wait, a scan whose every probe is already answered has nothing to wait for.
        var wait = w.Options.Wait ?? Scanner.AutoWait(retransmission.Rtt);
        var until = Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < until && !ct.IsCancellationRequested && Alive
               && !(w.Options.Wait is null && w.Counters.AllAnswered))
            Thread.Sleep(5);
        // The wait ran out with probes unanswered: what was captured up to its end is matched before the
        // loop is stopped (Finish wakes it at once), so a reply in a capture block the kernel had not yet
        // handed over (CaptureBlockTimeoutMs) still counts. Bounded: a receiver that lags (a busy CPU) is
        // waited for a little, as the old 10 ms idle wake did and more, not forever.
        if (!w.Counters.AllAnswered)
        {
            long mark = Stopwatch.GetTimestamp(), bound = mark + Stopwatch.Frequency / 10;
            while (_clock.Watermark < mark && Stopwatch.GetTimestamp() < bound && !ct.IsCancellationRequested && Alive)
                Thread.Sleep(1);
        }
        // --banners: the connections still open end on their own (their steps' waits are bounded), and
        // their ports are written only then. Ctrl-C or a failed receiver cuts this short too.
        if (On.Banners is { } banners)
        {
            // As long as connections keep ending (a queue waiting for buffers drains at its own pace);
            // one step's waits and resends bound how long a single connection can take.
            long quiet = (long)((w.Options.Banners!.Wait.TotalSeconds * 8 + 3) * Stopwatch.Frequency), movedAt = Stopwatch.GetTimestamp();
            for (int open = banners.Gate.Open; open > 0 && !ct.IsCancellationRequested && Alive; open = banners.Gate.Open)
            {
                Thread.Sleep(5);
                long now = Stopwatch.GetTimestamp();
                if (banners.Gate.Open < open) movedAt = now;
                else if (now - movedAt > quiet) break;
            }
        }
    }

    public override void Finish(bool giveUp)
    {
        On.Loop.Stop();
        On.Thread.Join();
        // What never answered is filtered (only this thread writes now), unless the scan was cut short.
        On.Retransmission.Finish(On.Wiring.Sink, On.Wiring.Counters, giveUp);
    }

    public override TimeSpan SmoothedRtt => _on?.Retransmission.Rtt.Smoothed ?? TimeSpan.Zero;
    public override TimeSpan Timeout => _on?.Retransmission.Rtt.Timeout ?? TimeSpan.Zero;

    /// <summary>Closes the capture, never under a running receive loop (a scan that failed before <see cref="Finish"/>).</summary>
    public override void Dispose()
    {
        if (_on is { } on && on.Thread.IsAlive)
        {
            on.Loop.Stop();
            on.Thread.Join();
        }
        capture.Dispose();
    }
}
