using System.Diagnostics;
using System.Runtime.CompilerServices;
using RawScan.Interop;
using RawScan.Match;
using RawScan.Probes;
using RawScan.Results;
using RawScan.Routing;
using RawScan.Sessions;
using RawScan.Targets;

namespace RawScan.Receive;

/// <summary>
/// The receive loop, run on its own thread: pulls frames from libpcap through SharpPcap's pointer-level
/// read (never a callback per packet from native code), parses them in place, keeps what the matcher proves ours, settles each probe
/// once in the four-tuple table (the first answer is the result, the rest are duplicates), samples the
/// RTT from the capture's own timestamps (no clock read per packet), answers ARP for a source address
/// the host does not own, and writes every result: the send thread's "filtered" verdicts reach the
/// sinks through this thread too, so the sinks have one writer.
/// </summary>
internal sealed class ReceiveLoop(PcapDevice device, ReplyMatcher matcher, FourTupleTable table, ScanSpace space, SourcePorts sourcePorts, RttEstimator rtt,
    ResultQueue filtered, IResultSink sink, ScanCounters counters, ReceiveClock clock, ArpIdentity? answerArpFor, TcpTemplate? resetTemplate = null,
    TextWriter? trace = null, long idleLagTicks = 0, CheckpointRelay? checkpoints = null, Ipv6Replies? v6 = null, BannerGrabber? banners = null)
{
    private volatile bool _stop;

    // pcap timestamps are wall-clock microseconds; send times are Stopwatch ticks. One offset, taken
    // once, turns the first into the second.
    private readonly long _wallMinusMonotonicMicros = StopwatchTime.WallMinusMonotonicMicros();

    /// <summary>Stops the loop once it has matched what is already captured: its wait is woken, so an idle loop leaves at once.</summary>
    public void Stop()
    {
        _stop = true;
        device.Wake();
    }

    public void Run()
    {
        Span<byte> reply = stackalloc byte[96];           // an ARP or neighbour answer, a RST of either family
        while (true)
        {
            // The handle does not block: an empty ring returns at once, and the loop waits in poll(2)
            // itself, 10 ms at most, so a stop is always seen and the watermark always moves.
            var r = device.Next(out var frame, out long ts);
            filtered.Drain(sink);
            if (r != PullResult.Packet)
            {
                if (_stop) break;                             // stopping, and everything captured is matched
                long now = Stopwatch.GetTimestamp();          // idle: nothing captured is waiting (a clock read per idle wake)
                clock.Advance(now - idleLagTicks);            // but a TPACKET_V3 block not yet handed over may hold some
                sink.Tick(StopwatchTime.TicksToMicros(now) + _wallMinusMonotonicMicros);
                if (banners is not null) { banners.Tick(now); banners.Flush(); }
                checkpoints?.Serve(filtered, sink);
                if (now - _dropsReadAt >= DropsEveryTicks) { _dropsReadAt = now; RefreshDrops(); }
                device.Wait(10);
                continue;
            }
            // The watermark moves every 32 frames (and whenever the ring is empty, above): a mark a few
            // frames behind only makes the sender judge timeouts a little later, never too early.
            if ((++counters.FramesCaptured & 31) == 0)
            {
                clock.Advance(ToTicks(ts));
                sink.Tick(ts);                                // streamed reports flush what trickled in, on this thread
                if (banners is not null) { banners.Tick(ToTicks(ts)); banners.Flush(); }
                checkpoints?.Serve(filtered, sink); // a place the send thread asked to keep (about once a second)
            }
            if (!Packet.TryParse(frame, out var p)) { counters.Malformed++; continue; }
            if (p.Truncated) counters.Truncated++;
            if (p.EtherType == 0x0806) { AnswerArp(frame, reply); continue; }
            // --banners: a segment of one of our connections, or one that can only belong to a connection (no SYN, no RST).
            if (banners is not null && p.Protocol == Packet.ProtoTcp && TakeSegment(p, frame, ts)) continue;
            MatchOutcome outcome;
            PortResult result;
            ushort ourPort;
            bool proved;
            if (!p.IsIpv6) outcome = matcher.Match(p, frame, out result, out ourPort, out proved, ts);
            else if (v6 is null) continue;
            else if (v6.AnswerNd && p.Protocol == Packet.ProtoIcmp6 && p.IcmpType == Ndp.NeighborSolicitation) { AnswerNd(frame, reply); continue; }
            else outcome = Match6(p, frame, ts, out result, out ourPort, out proved);
            // The probe it answers, by its index in the scan: a reply about a probe the scan never had is not ours.
            long key = 0;
            if (outcome == MatchOutcome.Result)
            {
                if (space.TryIndexOf(result.Address, result.Port, result.Protocol, out ulong index)) key = FourTupleTable.KeyOf(index);
                else outcome = MatchOutcome.Forged;
            }
            // A reply that could not prove itself (UDP with no echo) must at least come back to the
            // source port its probe left from, which only the table knows.
            if (outcome == MatchOutcome.Result && !proved && !CameBackToItsPort(key, ourPort)) outcome = MatchOutcome.Forged;
            if (trace is not null && outcome != MatchOutcome.NotOurs) Trace(frame, outcome);
            if (outcome == MatchOutcome.Forged) { counters.Forged++; continue; }
            if (outcome != MatchOutcome.Result) continue;
            counters.Replies++;
            clock.CountReply(ToTicks(ts));                    // by capture time: what --rate auto compares with what it sent
            switch (table.Resolve(key, result.State, out long sentTicks, out int tries, out ulong position))
            {
                case FourTupleTable.Resolution.First:
                    if (tries == 2) counters.AnsweredSecondTry++;
                    if (tries == 1)
                    {
                        counters.AnsweredFirstTry++;
                        long took = ToTicks(ts) - sentTicks;
                        rtt.Sample(took);                                  // Karn: only unambiguous samples
                        result = result with { RttMicros = (uint)Math.Clamp(StopwatchTime.TicksToMicros(took), 0, uint.MaxValue) };
                    }
                    if (banners is not null && result.Protocol == Protocol.Tcp && result.State == PortState.Open)
                    {
                        // Its result is written when its banner is in. Counted open only once the connection
                        // holds it: the cooldown, seeing every probe answered, waits for the connections.
                        banners.Open(p, result, result.Address, position, ToTicks(ts));
                        counters.Open++;
                        break;
                    }
                    Report(result);
                    if (result.State == PortState.Open && (p.IsIpv6 ? v6?.Reset is not null : resetTemplate is not null)) Reset(p, reply);
                    break;
                case FourTupleTable.Resolution.Duplicate:
                    counters.Duplicates++;
                    Refuse(p, result);
                    break;
                default:
                    counters.Late++;
                    Refuse(p, result);
                    break;
            }
        }
        banners?.CloseAll();
        filtered.Drain(sink);
        RefreshDrops();
    }

    /// <summary>
    /// --banners: hands a TCP segment to its connection. One that has none and is neither a SYN-ACK nor a
    /// RST belongs to a connection we no longer have: a straggler of one we closed, or one a killed scan
    /// left on the target, which answers the resumed scan's SYN from the same port with an ACK (RFC 5961's
    /// challenge ACK) instead of a SYN-ACK. It gets the RST a kernel would send (seq = its ACK), which
    /// clears the stale connection so the probe's resend is answered.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TakeSegment(in Packet p, ReadOnlySpan<byte> frame, long ts)
    {
        UInt128 from = p.IsIpv6 ? p.SrcIp6 : Ip.V4(p.SrcIp);
        if (banners!.TryTake(p, frame, from, ToTicks(ts))) return true;
        if ((p.TcpFlags & (Packet.SYN | Packet.RST)) != 0) return false;
        if ((p.TcpFlags & Packet.ACK) != 0) banners.Refuse(p, from);
        return true;
    }

    /// <summary>--banners holds back the kernel's RSTs, so a SYN-ACK no connection takes (a duplicate, a late one) is closed here.</summary>
    private void Refuse(in Packet p, in PortResult result)
    {
        if (banners is not null && result.Protocol == Protocol.Tcp && result.State == PortState.Open) banners.Refuse(p, result.Address);
    }

    /// <summary>
    /// With no probe in flight to vouch for it, an unproved reply cannot be told from a forgery (a
    /// genuine one after its probe was given up included): it fails the proof.
    /// </summary>
    private bool CameBackToItsPort(long key, ushort ourPort)
    {
        int slot = table.Find(key);
        return slot >= 0 && sourcePorts.For(table.PositionAt(slot)) == ourPort;
    }

    private void Report(in PortResult result)
    {
        switch (result.State)
        {
            case PortState.Open: counters.Open++; break;
            case PortState.Closed: counters.Closed++; break;
            default: counters.FilteredByIcmp++; break;
        }
        sink.OnResult(result);
    }

    private long ToTicks(long wallMicros) => StopwatchTime.MicrosToTicks(wallMicros - _wallMinusMonotonicMicros);

    private void AnswerArp(ReadOnlySpan<byte> frame, Span<byte> reply)
    {
        if (answerArpFor is { } me && Arp.TryRead(frame, out var op, out var mac, out uint senderIp, out uint targetIp)
            && op == Arp.Request && targetIp == me.Ip)
        {
            Arp.Write(reply, Arp.Reply, me.Mac, me.Ip, mac, senderIp, mac);
            if (device.Inject(reply[..Arp.FrameLength])) counters.ArpAnswered++;
        }
    }

    /// <summary>--reset: close the half-open connection the SYN-ACK left on the target, as a kernel would.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Reset(in Packet p, Span<byte> frame)
    {
        int n = p.IsIpv6 ? v6!.Reset!.Write(frame, p.SrcIp6, p.DstPort, p.SrcPort, p.Ack) : resetTemplate!.Write(frame, p.SrcIp, p.DstPort, p.SrcPort, p.Ack, 0);
        if (device.Inject(frame[..n])) counters.ResetsSent++;
    }

    /// <summary>An IPv6 reply, matched out of line: the IPv4 loop stays as small as it was to compile and to run.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private MatchOutcome Match6(in Packet p, ReadOnlySpan<byte> frame, long ts, out PortResult result, out ushort ourPort, out bool proved)
    {
        var outcome = v6!.Matcher.Match(p, frame, out var r6, out ourPort, out proved);
        result = new PortResult(r6.Address, r6.Protocol, r6.Port, r6.State, r6.HopLimit, ts, r6.Reason);
        return outcome;
    }

    /// <summary>A Neighbor Solicitation for the IPv6 source the host does not own: answered, as ARP is for IPv4.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AnswerNd(ReadOnlySpan<byte> frame, Span<byte> reply)
    {
        int n = Ndp.Answer(frame, v6!.Mac, v6.Source, reply);
        if (n > 0 && device.Inject(reply[..n])) counters.ArpAnswered++;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Trace(ReadOnlySpan<byte> frame, MatchOutcome outcome) =>
        trace!.WriteLine($"RCVD {RawScan.Transmit.TracingSink.Describe(frame)}{(outcome == MatchOutcome.Forged ? " (failed the proof)" : "")}");

    // The kernel's drop count is for the progress line (once a second) and the summary: read at most
    // every 100 ms of idle wakes, which come hundreds of times a second at high rates, since SharpPcap
    // builds a statistics object per read (and it costs a system call).
    private static readonly long DropsEveryTicks = Stopwatch.Frequency / 10;
    private long _dropsReadAt = long.MinValue / 2;

    private void RefreshDrops() => Volatile.Write(ref counters.KernelDrops, device.Dropped());
}

/// <summary>What the receive loop needs for IPv6 replies: the matcher, our source and MAC (for neighbour answers), whether to answer, the RST for --reset.</summary>
internal sealed record Ipv6Replies(ReplyMatcher6 Matcher, UInt128 Source, byte[] Mac, bool AnswerNd, Tcp6Template? Reset);
