using RawScan.Interop;
using RawScan.Match;
using RawScan.Results;
using RawScan.Routing;

namespace RawScan.Receive;

/// <summary>
/// The receive loop, run on its own thread: pulls frames from libpcap (never a callback per packet
/// from native code), parses them in place, keeps what the matcher proves ours, reports each port
/// once, and answers ARP for a source address the host does not own.
/// </summary>
public sealed class ReceiveLoop(PcapDevice device, ReplyMatcher matcher, IResultSink sink, ScanCounters counters,
    ArpIdentity? answerArpFor, TextWriter? trace = null)
{
    private volatile bool _stop;

    // One bit per (address, protocol, port) already reported. Replaced by the four-tuple table when
    // probes in flight get state of their own; until then a set owned by this thread alone.
    private readonly HashSet<ulong> _reported = new(1024);

    public void Stop()
    {
        _stop = true;
        device.BreakLoop();
    }

    public void Run()
    {
        Span<byte> arpReply = stackalloc byte[Arp.FrameLength];
        while (!_stop)
        {
            var r = device.Next(out var frame, out long ts);
            if (r == PullResult.Stopped) break;
            if (r == PullResult.Timeout) { RefreshDrops(); continue; }
            counters.FramesCaptured++;
            if (!Packet.TryParse(frame, out var p)) { counters.Malformed++; continue; }
            if (p.EtherType == 0x0806)
            {
                if (answerArpFor is { } me && Arp.TryRead(frame, out var op, out var mac, out uint senderIp, out uint targetIp)
                    && op == Arp.Request && targetIp == me.Ip)
                {
                    Arp.Write(arpReply, Arp.Reply, me.Mac, me.Ip, mac, senderIp, mac);
                    if (device.Inject(arpReply)) counters.ArpAnswered++;
                }
                continue;
            }
            var outcome = matcher.Match(p, out var result, ts);
            if (trace is not null && outcome != MatchOutcome.NotOurs) Trace(frame, outcome);
            switch (outcome)
            {
                case MatchOutcome.Result:
                    counters.Replies++;
                    ulong key = ((ulong)result.Address << 32) | ((ulong)result.Protocol << 16) | result.Port;
                    if (!_reported.Add(key)) { counters.Duplicates++; break; }
                    if (result.State == PortState.Open) counters.Open++; else counters.Closed++;
                    sink.OnResult(result);
                    break;
                case MatchOutcome.Forged:
                    counters.Forged++;
                    break;
            }
        }
        RefreshDrops();
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void Trace(ReadOnlySpan<byte> frame, MatchOutcome outcome) =>
        trace!.WriteLine($"RCVD {RawScan.Transmit.TracingSink.Describe(frame)}{(outcome == MatchOutcome.Forged ? " (failed the cookie)" : "")}");

    private void RefreshDrops() => Volatile.Write(ref counters.KernelDrops, device.Stats().Dropped);
}

/// <summary>An address the scanner answers ARP for, with the MAC it answers with.</summary>
public sealed record ArpIdentity(uint Ip, byte[] Mac);
