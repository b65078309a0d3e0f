using System.Buffers.Binary;
using System.Diagnostics;
using RawScan.Banners;
using RawScan.Probes;
using RawScan.Receive;
using RawScan.Results;
using RawScan.Targets;
using RawScan.Transmit;
using static RawScan.Sessions.SegmentWriter.Flags;

namespace RawScan.Sessions;

/// <summary>
/// --banners: a user-mode TCP on the receive thread. A SYN-ACK to a probe opens a connection whose
/// sequence numbers the SYN cookie already gave; each step of the port's <see cref="HelloPlan"/> either
/// waits for the server to speak (a greeting) or sends a hello, reads the answer (ACKing what comes, in
/// order, keeping at most --banner-bytes), and the connection ends with a RST once the answer is whole,
/// after a quiet gap, or when the step's wait passes; a step that drew nothing moves to the next hello,
/// on the same connection when nothing was sent on it yet, else on a fresh one from another source
/// port (our own SYN). Our SYN and hello are resent as a TCP would (doubling waits, three tries).
/// </summary>
/// <remarks>
/// Everything here belongs to the receive thread: the connection table, the slab of banner bytes, and a
/// batch of segments handed to its own sender once per loop pass (never a system call per segment). Time
/// is what the receive loop passes in (a capture's timestamp, or its one clock read when idle). The send
/// thread only reads how many connections are open (<see cref="ConnectionGate"/>), to wait for room.
/// </remarks>
internal sealed class BannerGrabber
{
    private readonly BannerOptions _o;
    private readonly ServiceIdentifier _identify;
    private readonly SegmentWriter _segments;
    private readonly ProbeWriters _probes;
    private readonly SourcePorts _ports;
    private readonly IResultSink _sink;
    private readonly BannerCounters _counters;
    private readonly IFrameSink _wire;
    private readonly FrameBatch _batch;
    private readonly ConnectionTable _table;
    private readonly long _waitTicks, _quietTicks, _retransmitTicks, _sweepTicks;
    private readonly byte[] _slab;
    private readonly int _bytes;
    private readonly int[] _owner;          // buffer -> the slot using it, or -1
    private readonly int[] _freeBuffers;
    private int _freeCount;
    private readonly int[] _waiting;        // a FIFO of slots waiting for a buffer
    private int _waitHead, _waitCount;
    private long _sweptAt, _now;
    private bool _closing;
    private int _fresh;                 // fresh connections made: spreads their source ports

    /// <summary>Tries of a SYN or a hello before the step is given up.</summary>
    public const int MaxTries = 3;

    /// <summary>The longest hello a segment carries (an <see cref="IHello"/> writes at most this much): one segment, under any MTU's MSS.</summary>
    public const int MaxHelloLength = 1200;

    public BannerGrabber(BannerOptions o, SegmentWriter segments, ProbeWriters probes, SourcePorts ports, IResultSink sink,
        BannerCounters counters, IFrameSink wire, ScanCounters? scan = null)
    {
        _o = o;
        _identify = o.Identifier ?? throw new ArgumentException("--banners needs a service identifier", nameof(o));
        _segments = segments;
        _probes = probes;
        _ports = ports;
        _sink = sink;
        _counters = counters;
        _wire = wire;
        _batch = new FrameBatch(64, (SegmentWriter.MaxFrame(MaxHelloLength) + 63) & ~63);
        // Buffers for the connections talking at once; slots for many more waiting their turn, so a burst
        // of SYN-ACKs beyond --banner-connections costs a slot each, not a banner.
        _bytes = o.MaxBytes;
        _slab = new byte[(long)o.Connections * o.MaxBytes];
        _owner = new int[o.Connections];
        _freeBuffers = new int[o.Connections];
        for (int b = 0; b < o.Connections; b++) { _owner[b] = -1; _freeBuffers[b] = o.Connections - 1 - b; }
        _freeCount = o.Connections;
        int slots = WaitingSlots(o.Connections);
        _table = new ConnectionTable(slots);
        _waiting = new int[slots];
        Gate = new ConnectionGate(slots, scan);
        _waitTicks = (long)(o.Wait.TotalSeconds * Stopwatch.Frequency);
        _quietTicks = Math.Min(_waitTicks, Stopwatch.Frequency / 4);        // 250 ms of quiet after data ends a banner
        _retransmitTicks = Stopwatch.Frequency / 4;                          // then 500 ms, 1 s
        _sweepTicks = Stopwatch.Frequency / 200;                             // timers are looked at every 5 ms
    }

    /// <summary>Slots for connections: four per buffer, at least 65,536 (about 10 MB), at most 2^20.</summary>
    public static int WaitingSlots(int buffers) => Math.Clamp(buffers * 4, 1 << 16, 1 << 20);

    private Span<byte> Banner(in Connection c) => _slab.AsSpan(c.Buffer * _bytes, _bytes);

    /// <summary>What the send thread reads: how many connections are open, and whether to wait for room.</summary>
    public ConnectionGate Gate { get; }

    /// <summary>
    /// The lowest position of a probe whose connection is still open (its result not yet written): a
    /// checkpoint must count it unsettled, or a scan killed now would lose the port.
    /// </summary>
    public ulong LowestPosition
    {
        get
        {
            ulong low = ulong.MaxValue;
            for (int s = 0; s < _table.Capacity; s++)
                if (_table[s].Phase != ConnectionPhase.Free) low = Math.Min(low, _table[s].Position);
            return low;
        }
    }

    /// <summary>A probe's SYN-ACK: the port is open, and its banner is fetched before the result is written.</summary>
    public void Open(in Packet p, in PortResult result, UInt128 address, ulong position, long now)
    {
        _now = now;
        int s = _table.Add(address, p.SrcPort, p.DstPort);
        if (s < 0)
        {
            // No slot (the sweep outran even the waiting room): the port is reported without a banner, and
            // the half-open connection closed, since the kernel's own RST is held back during the scan.
            Reset(address, p.DstPort, p.SrcPort, p.Ack);
            _counters.Skipped++;
            _sink.OnResult(result);
            return;
        }
        Gate.Set(_table.Count);
        ref var c = ref _table[s];
        c.SndUna = c.SndNxt = p.Ack;
        c.Iss = p.Ack - 1;
        c.RcvNxt = p.Seq + 1;
        c.Position = position;
        c.Result = result;
        c.Plan = _identify.PlanFor(p.SrcPort);
        if (_freeCount == 0)
        {
            c.Phase = ConnectionPhase.Waiting;
            c.Buffer = -1;
            _waiting[(_waitHead + _waitCount++) % _waiting.Length] = s;
            _counters.Waited++;
            return;
        }
        Begin(s, now);
    }

    /// <summary>A connection gets a buffer and its first step: our ACK completes the handshake (with the hello, if the step has one).</summary>
    private void Begin(int s, long now)
    {
        ref var c = ref _table[s];
        c.Buffer = _freeBuffers[--_freeCount];
        _owner[c.Buffer] = s;
        c.Phase = ConnectionPhase.Established;
        _counters.Connections++;
        StartStep(ref c, now, acknowledge: true);
    }

    /// <summary>A TCP segment: taken (true) when it belongs to one of our connections.</summary>
    public bool TryTake(in Packet p, ReadOnlySpan<byte> frame, UInt128 from, long now)
    {
        _now = now;
        int s = _table.Find(from, p.SrcPort, p.DstPort);
        if (s < 0) return false;
        ref var c = ref _table[s];
        if (c.Phase == ConnectionPhase.Waiting) return true;       // its SYN-ACK again: it waits for a buffer still
        byte flags = p.TcpFlags;
        if ((flags & Rst) != 0)
        {
            // In-window only: a reset carrying any other sequence number is not this connection's.
            if (c.Phase == ConnectionPhase.SynSent ? p.Ack == c.Iss + 1 || (flags & Ack) == 0 : p.Seq == c.RcvNxt)
            {
                c.PeerClosed = c.PeerReset = true;
                EndStep(s, now);
            }
            return true;
        }
        if ((flags & (Syn | Ack)) == (Syn | Ack))
        {
            if (p.Ack != c.Iss + 1) return true;                      // not an answer to our SYN
            if (c.Phase == ConnectionPhase.SynSent)
            {
                c.Phase = ConnectionPhase.Established;
                c.SndUna = c.SndNxt = p.Ack;
                c.RcvNxt = p.Seq + 1;
                StartStep(ref c, now, acknowledge: true);
            }
            else Acknowledge(ref c, resendHello: c.SndUna != c.SndNxt);  // our ACK was lost: the server asks again
            return true;
        }
        if (c.Phase != ConnectionPhase.Established || (flags & Ack) == 0) return true;
        uint ack = p.Ack;
        if ((int)(ack - c.SndUna) > 0 && (int)(ack - c.SndNxt) <= 0)
        {
            c.SndUna = ack;
            if (c.SndUna == c.SndNxt) c.RetransmitAt = 0;             // the hello is in
        }
        int length = p.PayloadLength;
        if (length > 0)
        {
            if (p.Seq != c.RcvNxt)
            {
                Acknowledge(ref c, resendHello: false);               // old or out of order: say again what we expect
                return true;
            }
            var data = frame.Slice(p.PayloadOffset, length);
            int keep = Math.Min(length, _bytes - c.Received);
            data[..keep].CopyTo(Banner(c)[c.Received..]);
            c.Received += keep;
            c.RcvNxt += (uint)length;
            var banner = Banner(c)[..c.Received];
            if (c.Received >= _bytes || _identify.IsComplete(banner, c.Hello))
            {
                Finish(s);
                return true;
            }
            c.Deadline = now + _quietTicks;
        }
        if ((flags & Fin) != 0 && p.Seq + (uint)length == c.RcvNxt)
        {
            c.RcvNxt++;
            c.PeerClosed = true;
            EndStep(s, now);
            return true;
        }
        if (length > 0) Acknowledge(ref c, resendHello: false);
        return true;
    }

    /// <summary>A SYN-ACK to a probe no connection holds (a duplicate, or one after its connection moved on): closed at once.</summary>
    public void Refuse(in Packet p, UInt128 from) => Reset(from, p.DstPort, p.SrcPort, p.Ack);

    /// <summary>Timers: resends and steps whose wait has passed. Cheap to call often: it looks every 5 ms.</summary>
    public void Tick(long now)
    {
        _now = now;
        if (now - _sweptAt < _sweepTicks || _table.Count == 0) return;
        _sweptAt = now;
        // Only connections holding a buffer have timers; waiting ones have none.
        for (int b = 0; b < _owner.Length; b++)
        {
            int s = _owner[b];
            if (s < 0) continue;
            ref var c = ref _table[s];
            if (c.RetransmitAt != 0 && now >= c.RetransmitAt)
            {
                if (c.Tries >= MaxTries)
                {
                    // Nothing acknowledged our SYN or hello three times: the step has drawn nothing.
                    if (c.Phase == ConnectionPhase.SynSent) c.PeerClosed = c.PeerReset = true;   // no connection to close
                    c.RetransmitAt = 0;
                    EndStep(s, now);
                    continue;
                }
                c.Tries++;
                c.RetransmitAt = now + (_retransmitTicks << (c.Tries - 1));
                _counters.Retransmits++;
                if (c.Phase == ConnectionPhase.SynSent) SendSyn(ref c);
                else SendHello(ref c, c.SndNxt - (uint)c.HelloLength);
            }
            if (_owner[b] == s && now >= c.Deadline) EndStep(s, now);
        }
    }

    /// <summary>Hands the segments written since the last call to the wire: one batch, one call.</summary>
    public void Flush()
    {
        if (_batch.Count == 0) return;
        _counters.Segments += _batch.Count;
        _wire.Send(_batch);
        _batch.Clear();
    }

    /// <summary>The scan ends: every connection still open is closed and reported with what it has.</summary>
    public void CloseAll()
    {
        _closing = true;
        for (int s = 0; s < _table.Capacity; s++)
            if (_table[s].Phase is not (ConnectionPhase.Free or ConnectionPhase.Waiting)) Finish(s);
        // Those still waiting never talked: their ports are reported without a banner, their half-open handshakes reset.
        for (; _waitCount > 0; _waitCount--, _waitHead = (_waitHead + 1) % _waiting.Length)
        {
            int s = _waiting[_waitHead];
            ref var c = ref _table[s];
            if (c.Phase != ConnectionPhase.Waiting) continue;
            Reset(c.Address, c.SourcePort, c.Port, c.SndNxt);
            _counters.Skipped++;
            var result = c.Result;
            _table.Remove(s);
            _sink.OnResult(result);
        }
        Gate.Set(_table.Count);
        Flush();
    }

    private void StartStep(ref Connection c, long now, bool acknowledge)
    {
        c.Deadline = now + _waitTicks;
        c.Tries = 1;
        c.Received = 0;
        if (c.Hello is null)
        {
            c.HelloLength = 0;
            c.RetransmitAt = 0;
            if (acknowledge) Acknowledge(ref c, resendHello: false);
        }
        else
        {
            SendHello(ref c, c.SndNxt);
            c.RetransmitAt = now + _retransmitTicks;
        }
    }

    /// <summary>The step is over (its wait passed, the server closed, our SYN or hello went unanswered).</summary>
    private void EndStep(int s, long now)
    {
        ref var c = ref _table[s];
        if (c.Received > 0 || c.Step + 1 >= c.Plan.Steps.Count)
        {
            Finish(s);
            return;
        }
        c.Step++;
        if (c.Phase == ConnectionPhase.Established && !c.PeerClosed && c.HelloLength == 0)
        {
            StartStep(ref c, now, acknowledge: false);              // waited for a greeting that never came: now ask
            return;
        }
        Reconnect(s, now);
    }

    /// <summary>
    /// The step's hello on a connection of its own (the server heard another hello already, or closed): a
    /// RST for the old one (a server that closed with a FIN waits in LAST-ACK for it), a SYN from a fresh
    /// source port for the new.
    /// </summary>
    private void Reconnect(int s, long now)
    {
        ref var c = ref _table[s];
        if (c.Phase == ConnectionPhase.Established && !c.PeerReset) Reset(c.Address, c.SourcePort, c.Port, c.SndNxt);
        _fresh++;
        ushort next = NextSourcePort(c.SourcePort, _fresh);
        _table.Rekey(s, next);
        c.Phase = ConnectionPhase.SynSent;
        c.PeerClosed = c.PeerReset = false;
        c.HelloLength = 0;
        c.Received = 0;
        c.Tries = 1;
        c.Deadline = now + _waitTicks + 2 * _retransmitTicks;
        c.RetransmitAt = now + _retransmitTicks;
        _counters.Connections++;
        SendSyn(ref c);
    }

    /// <summary>
    /// Closes the connection, names the service, and writes the port's result with it. A RST unless the
    /// server reset it: also after the server's FIN, which would otherwise leave it waiting in LAST-ACK.
    /// </summary>
    private void Finish(int s)
    {
        ref var c = ref _table[s];
        if (c.Phase == ConnectionPhase.Established && !c.PeerReset) Reset(c.Address, c.SourcePort, c.Port, c.SndNxt);
        var banner = Banner(c)[..c.Received];
        var hello = c.Received > 0 ? c.Hello : null;
        var finding = _identify.Identify(banner, hello, c.Port);
        if (c.Earlier is { } earlier) finding = ServiceIdentifier.Combine(earlier, finding);
        else if (!_closing && _identify.FollowUp(finding) is { } next)
        {
            // The answer named the protocol but not the server: one more step, on a fresh connection.
            c.Earlier = finding;
            c.PeerReset = true;                                       // reset above: nothing more to close
            c.Plan = new HelloPlan([next]);
            c.Step = 0;
            Reconnect(s, _now);
            return;
        }
        _counters.Ports++;
        if (finding.Method == ServiceMethod.Probed) _counters.Identified++;
        if (c.Received > 0) _counters.WithBanner++;
        var result = c.Result;
        int buffer = c.Buffer;
        _table.Remove(s);
        _owner[buffer] = -1;
        _freeBuffers[_freeCount++] = buffer;
        Gate.Set(_table.Count);
        _sink.OnService(result, finding);
        // The buffer goes to the connection that has waited longest.
        if (!_closing && _waitCount > 0)
        {
            int next = _waiting[_waitHead];
            _waitHead = (_waitHead + 1) % _waiting.Length;
            _waitCount--;
            Begin(next, _now);
        }
    }

    /// <summary>Another source port of ours for the step's fresh connection: never the probe's, never an earlier step's.</summary>
    private ushort NextSourcePort(ushort current, int step)
    {
        int span = _ports.Last - _ports.First + 1;
        return (ushort)(_ports.First + (current - _ports.First + 7919 * step) % span);
    }

    private Span<byte> Frame()
    {
        if (_batch.IsFull) Flush();
        return _batch.Next();
    }

    private void Acknowledge(ref Connection c, bool resendHello)
    {
        if (resendHello && c.HelloLength > 0)
        {
            SendHello(ref c, c.SndNxt - (uint)c.HelloLength);
            return;
        }
        var f = Frame();
        _batch.Commit(_segments.Write(f, c.Address, c.SourcePort, c.Port, c.SndNxt, c.RcvNxt, Ack, 0));
    }

    /// <summary>Sends the step's hello starting at <paramref name="seq"/> (first send, or again from where it began).</summary>
    private void SendHello(ref Connection c, uint seq)
    {
        var f = Frame();
        int at = SegmentWriter.DataOffset(c.Address);
        int n = c.Hello!.Write(f[at..], c.Address, c.Port);
        _batch.Commit(_segments.Write(f, c.Address, c.SourcePort, c.Port, seq, c.RcvNxt, Ack | Psh, n));
        c.HelloLength = n;
        if (seq == c.SndNxt) c.SndNxt += (uint)n;
    }

    private void SendSyn(ref Connection c)
    {
        var f = Frame();
        int n = _probes.Write(f, c.Address, c.SourcePort, c.Port, Protocol.Tcp);
        int tcp = Ip.IsV4(c.Address) ? TcpTemplate.TcpOffset : Tcp6Template.TcpOffset;
        c.Iss = BinaryPrimitives.ReadUInt32BigEndian(f[(tcp + 4)..]);
        _batch.Commit(n);
    }

    private void Reset(UInt128 address, ushort sourcePort, ushort port, uint seq)
    {
        var f = Frame();
        _batch.Commit(_segments.Write(f, address, sourcePort, port, seq, 0, Rst, 0));
        _counters.Resets++;
    }
}

/// <summary>What --banners did, for the summary: written by the receive thread, read after it has stopped.</summary>
public sealed class BannerCounters
{
    public long Ports;            // open ports whose connection ended (their result written with a finding)
    public long Connections;      // handshakes completed or started by us (the probe's, and each fresh one)
    public long WithBanner;       // ports whose server said something
    public long Identified;       // ports whose service a banner named
    public long Skipped;          // open ports reported without a banner: no slot, or still waiting when the scan ended
    public long Waited;           // connections that waited for a buffer (their handshake held half done)
    public long Segments;         // segments we sent (ACKs, hellos, SYNs, RSTs)
    public long Retransmits;
    public long Resets;
}
