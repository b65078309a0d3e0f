using RawScan.Match;
using RawScan.Permutation;
using RawScan.Probes;
using RawScan.Results;
using RawScan.Routing;
using RawScan.Targets;
using RawScan.Transmit;

namespace RawScan.Receive;

/// <summary>What the reply side of a scan needs to start: the scan, its path and probes, and where results go.</summary>
internal sealed record ReplyWiring(ScanOptions Options, NetPath Path, byte[] NextHopMac, ProbeBuilder Probes, SourcePorts SourcePorts,
    IResultSink Sink, ScanCounters Counters, ScanSpace Space, ProbeBuilder6? Probes6 = null, byte[]? NextHopMac6 = null,
    IFrameSink? BannerWire = null, Sessions.BannerCounters? BannerCounters = null);

/// <summary>
/// What hears a scan's replies. <see cref="Scanner.Run"/> wires one path for both kinds of scan: a live
/// scan's <see cref="CapturedReplies"/> (a capture, the receive thread, the four-tuple table and the
/// resends it drives) or a dry run's <see cref="NoReplies"/>, which hears nothing, tracks nothing and
/// has nothing to wait for.
/// </summary>
internal abstract class ReplySide : IDisposable
{
    /// <summary>Starts hearing replies; called once, before the first probe is sent.</summary>
    public abstract void Start(ReplyWiring wiring);

    /// <summary>The send loop, fed by what this side knows (which probes are in flight, how far the capture has been matched).</summary>
    /// <param name="o">The scan: its shard, a resumed scan's unsettled probes, where checkpoints go.</param>
    public abstract Transmitter SendLoop(ScanSpace space, FeistelPermutation order, ScanOptions o, ProbeWriters probes, SourcePorts sourcePorts,
        IFrameSink sink, RateLimiter limiter, ScanCounters counters, ulong start);

    /// <summary>False once the receive loop has ended by itself (it failed: see <see cref="Error"/>); the send loop is then stopped.</summary>
    public abstract bool Alive { get; }

    /// <summary>Why the receive loop ended by itself, as thrown (type and stack kept).</summary>
    public abstract Exception? Error { get; }

    /// <summary>After the last probe: listens for the replies still on their way (--wait, or a wait derived from the RTT).</summary>
    public abstract void Cooldown(CancellationToken ct);

    /// <summary>
    /// Stops hearing (what is already captured is matched first) and, if <paramref name="giveUp"/>, settles
    /// what never answered; a scan that did not complete leaves it in flight, to be probed again on resume.
    /// </summary>
    public abstract void Finish(bool giveUp);

    public abstract TimeSpan SmoothedRtt { get; }
    public abstract TimeSpan Timeout { get; }

    public virtual void Dispose() { }
}

/// <summary>
/// A dry run's reply side: nothing is captured, so nothing is tracked, resent or waited for; probes
/// are sent once each, and the send loop alone decides when the scan ends.
/// </summary>
internal sealed class NoReplies : ReplySide
{
    public override void Start(ReplyWiring wiring) { }

    public override Transmitter SendLoop(ScanSpace space, FeistelPermutation order, ScanOptions o, ProbeWriters probes, SourcePorts sourcePorts,
        IFrameSink sink, RateLimiter limiter, ScanCounters counters, ulong start) =>
        // Nothing is in flight, so a checkpoint is the send loop's own to save, at once.
        new(space, order, o.Shard, probes, sourcePorts, sink, limiter, counters, start, unsettled: o.Unsettled,
            checkpoints: o.Checkpoint is { } c ? new CheckpointRelay(c, direct: true) : null, checkpointEvery: o.CheckpointEvery);

    public override bool Alive => true;
    public override Exception? Error => null;
    public override void Cooldown(CancellationToken ct) { }
    public override void Finish(bool giveUp) { }
    public override TimeSpan SmoothedRtt => TimeSpan.Zero;
    public override TimeSpan Timeout => TimeSpan.Zero;
}
