using System.Diagnostics;
using RawScan.Interop;
using RawScan.Match;
using RawScan.Permutation;
using RawScan.Probes;
using RawScan.Receive;
using RawScan.Results;
using RawScan.Routing;
using RawScan.Targets;
using RawScan.Transmit;

namespace RawScan;

/// <summary>
/// Runs one scan, as wiring: finds the way out (<see cref="NetPathResolver"/>), opens the reply side
/// (a capture and its receive thread, or nothing for a dry run: <see cref="ReplySide"/>) and the send
/// path, starts the receive loop, then the send loop on another thread, waits the cooldown after the
/// last probe and stops. Results stream to the sink as they are proved. A dry run does the same up to
/// the wire: frames go to a pcap file or a counter, and nothing is captured.
/// </summary>
public sealed class Scanner
{
    public ScanCounters Counters { get; } = new();

    /// <summary>What --banners did (connections, banners, identified services), read once the scan is over.</summary>
    public Sessions.BannerCounters Banners { get; } = new();

    /// <param name="ready">Called once the scan can start (route, interface, next hop, capture and send
    /// path all found and opened) and before the first probe: the caller opens its output files here,
    /// so a scan that cannot start leaves them untouched. An exception from it ends the scan unsent.</param>
    public ScanSummary Run(ScanOptions o, IResultSink sink, CancellationToken ct, Action? ready = null)
    {
        var started = Stopwatch.GetTimestamp();
        var path = o.DryRun ? NetPathResolver.ResolveForDryRun(o) : NetPathResolver.Resolve(o);
        var (firstPort, lastPort) = o.SourcePorts ?? DefaultSourcePorts();
        var space = new ScanSpace(o.Targets, o.Ports);
        var order = new FeistelPermutation(space.Count, o.Seed);
        ulong start = o.StartPosition ?? o.Shard.First;
        Counters.ProbesPlanned = (long)(o.Shard.CountOf(space.Count) - o.Shard.CountOf(Math.Min(start, space.Count))) + o.Unsettled.Count;
        var cookie = o.CookieKey is { } k ? new SynCookie(k.K0, k.K1) : SynCookie.Random();
        bool autoRate = o.AutoRate && !o.DryRun;            // a dry run has no path to follow: it goes at --rate

        // The one place a dry run differs: no capture, no ARP, frames to a file or a counter.
        string captureFilter = NetPathResolver.CaptureFilter(path, firstPort, lastPort);
        var capture = o.DryRun ? null : OpenCapture(o, path, captureFilter, (ulong)Counters.ProbesPlanned);
        using ReplySide replies = capture is null ? new NoReplies() : new CapturedReplies(capture, (ulong)Counters.ProbesPlanned);
        // Each family's next hop by its own protocol (ARP, Neighbor Discovery), asked on the capture's
        // handle before the scan's filter is set; --router-mac stands for both.
        byte[] nextHopMac = o.RouterMac ?? (capture is null || !path.HasV4 ? new byte[6] : ResolveNextHop(capture, path, NetPathResolver.NextHopMac, captureFilter));
        byte[] nextHopMac6 = o.RouterMac ?? (capture is null || path.V6 is null ? new byte[6] : ResolveNextHop(capture, path, NetPathResolver.NextHopMac6, captureFilter));
        IFrameSink sender = WithTrace(o.DryRun ? OpenDrySink(o) : OpenWire(o.SendPath, path.Interface), o);
        using var _ = sender;

        var probes = new ProbeBuilder(new TcpTemplate(path.Mac, nextHopMac, path.SourceIp), cookie,
            new UdpTemplate(path.Mac, nextHopMac, path.SourceIp), o.UdpPayloads);
        var probes6 = path.V6 is { } v6 ? new ProbeBuilder6(new Tcp6Template(path.Mac, nextHopMac6, v6.SourceIp), cookie,
            new Udp6Template(path.Mac, nextHopMac6, v6.SourceIp), o.UdpPayloads) : null;
        var sourcePorts = new SourcePorts(firstPort, lastPort);
        // --banners: the connections send through a handle of their own (the receive thread's), and the
        // kernel is kept from resetting them when the source address is the host's.
        using var bannerWire = o.Banners is not null && !o.DryRun ? WithTrace(OpenWire(o.SendPath, path.Interface), o) : null;
        using var guard = bannerWire is not null ? GuardConnections(path, firstPort, lastPort) : null;
        ready?.Invoke();
        replies.Start(new ReplyWiring(o, path, nextHopMac, probes, sourcePorts, sink, Counters, space, probes6, nextHopMac6, bannerWire, Banners));
        var transmitter = replies.SendLoop(space, order, o, new ProbeWriters(probes, probes6), sourcePorts, sender,
            autoRate ? new RateLimiter(RateController.StartRate, batchCapacity: 64) : new RateLimiter(o.Rate), Counters, start);

        Exception? txError = null;
        using var stopTx = CancellationTokenSource.CreateLinkedTokenSource(ct);
        long sendStart = Stopwatch.GetTimestamp(), sendEnd = sendStart;
        var txThread = new Thread(() =>
        {
            try { transmitter.Run(stopTx.Token); }
            catch (Exception e) { txError = e; }
            finally { sendEnd = Stopwatch.GetTimestamp(); }
        })
        { Name = "rawscan-tx", IsBackground = true };
        txThread.Start();

        // The receive loop failing (a vanished interface) ends the send loop too: nothing it sends could be heard.
        while (!txThread.Join(100))
            if (!replies.Alive) stopTx.Cancel();

        if (txError is null) replies.Cooldown(ct);
        var end = txError is not null || !replies.Alive ? ScanEnd.Failed : ct.IsCancellationRequested ? ScanEnd.Interrupted : ScanEnd.Completed;
        // A scan cut short does not call the probes it had in flight filtered: they did not get their
        // tries. They stay unsettled (LowPosition), and a resume probes them again.
        Exception? finishError = null;
        try { replies.Finish(giveUp: end == ScanEnd.Completed); }
        catch (IOException e) { finishError = e; }          // a report failing on the last results: the scan failed, its summary stands
        ulong low = transmitter.LowPosition(out long unsettled);
        // Done with the wire: the capture and the send socket close side by side (Close). (Disposed
        // again by the usings: a no-op.)
        Close(sender, replies);

        var error = txError ?? replies.Error ?? finishError;
        if (error is not null) end = ScanEnd.Failed;
        var c = Counters;
        return new ScanSummary
        {
            End = end,
            Error = error is null ? null : Describe(error),
            Fault = error,
            Interface = path.Interface,
            SendPath = sender.Name,
            SourceIp = path.SourceIp,
            SourceIp6 = path.V6?.SourceIp,
            // Each family's next hop: one MAC when they are the same router (or the scan has one family).
            NextHopMac = !path.HasV4 ? Mac.Format(nextHopMac6) : path.V6 is null || nextHopMac.AsSpan().SequenceEqual(nextHopMac6)
                ? Mac.Format(nextHopMac) : $"{Mac.Format(nextHopMac)} and {Mac.Format(nextHopMac6)}",
            ProbesPlanned = c.ProbesPlanned,
            ProbesSent = Interlocked.Read(ref c.ProbesSent),
            Replies = c.Replies,
            Duplicates = c.Duplicates,
            Forged = c.Forged,
            Malformed = c.Malformed,
            Truncated = c.Truncated,
            Open = c.Open,
            Closed = c.Closed,
            Filtered = c.Filtered + c.FilteredByIcmp,
            OpenFiltered = c.OpenFiltered,
            Retransmits = c.Retransmits,
            Late = c.Late,
            ResetsSent = c.ResetsSent,
            Banners = o.Banners is null ? null : Banners,
            AutoRate = autoRate,
            SettledRate = autoRate ? c.CurrentRate : null,
            LossEstimate = c.LossEstimate,
            SecondChances = c.SecondChances,
            SmoothedRtt = replies.SmoothedRtt,
            Timeout = replies.Timeout,
            KernelDrops = c.KernelDrops,
            SendTime = Stopwatch.GetElapsedTime(sendStart, sendEnd),
            Duration = Stopwatch.GetElapsedTime(started),
            NextPosition = transmitter.NextPosition,
            LowPosition = low,
            Unsettled = unsettled,
        };
    }

    /// <summary>
    /// The one line a failure gets. RawScan's own exceptions and I/O errors carry a message written for
    /// the user (a send the interface refused, a capture that broke); anything else is a bug, and its
    /// type is part of the line (the exception itself, stack and all, is kept in <see cref="ScanSummary.Fault"/>).
    /// </summary>
    public static string Describe(Exception e) =>
        e is IOException || e.GetType().Assembly == typeof(Scanner).Assembly ? e.Message : $"{e.GetType().Name}: {e.Message}";

    /// <summary>
    /// The cooldown when --wait is not given: three timeouts of the measured RTT (a reply later than
    /// that is very unlikely), within 0.25-2 s, cut short once every probe is answered. In the lab
    /// that is 0.3 s at most; across a continent about 1 s.
    /// </summary>
    internal static TimeSpan AutoWait(RttEstimator rtt) =>
        TimeSpan.FromSeconds(Math.Clamp(3 * rtt.Timeout.TotalSeconds, 0.25, 2));

    /// <summary>No retransmission sooner than this after a send, however short the measured RTT (nmap's --min-rtt-timeout).</summary>
    public static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>The timeout before the first RTT sample (RFC 6298 says 1 s).</summary>
    public static readonly TimeSpan InitialTimeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Slots for probes in flight: the fewer of what the rate can put in flight and what the scan can.
    /// <list type="bullet">
    /// <item>The rate: about two seconds' worth at the asked rate (a probe is held for one timeout if
    /// answered, one per try, each doubling, if not), doubled since the sender stops adding at half full:
    /// 4,096 to 2M slots. For --rate max, 512k slots (24 MiB with the FIFO): room for 256k probes in
    /// flight, 2.5M probes/s answered at the 100 ms timeout or 850k/s silent with one retry, well above
    /// what this machine's lab answers. Not 2M: the table is made resident before the scan, and on this
    /// VM first touches cost 0.23 s of start-up for 96 MiB (0.06 s for 24 MiB), while 256k and 2M slots
    /// measured the same send rate.</item>
    /// <item>The scan: a probe is in the table once however often it is sent (a resend reuses its slot,
    /// a second chance comes back only after it left), so a scan of <paramref name="probes"/> never has
    /// more in flight; twice that, so the sender never waits for room: a /16 x 80 gets 128k slots (6 MiB)
    /// where its rate alone would have asked for 512k, and one probe gets the floor.</item>
    /// </list>
    /// 32 bytes a slot, and 16 more in the retransmission FIFO; never below 4,096 slots (192 KiB).
    /// </summary>
    /// <param name="probes">What the scan sends, first tries (a resumed scan's unsettled ones included).</param>
    public static int TableCapacity(double rate, ulong probes)
    {
        ulong byRate = double.IsPositiveInfinity(rate) ? MaxRateTableCapacity
            : (ulong)Math.Clamp(System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)Math.Max(rate * 2 * 2, 1)), MinTableCapacity, 1 << 21);
        ulong byScan = probes >= 1UL << 40 ? ulong.MaxValue : System.Numerics.BitOperations.RoundUpToPowerOf2(Math.Max(probes, 1) * 2);
        return (int)Math.Max(MinTableCapacity, Math.Min(byRate, byScan));
    }

    public const int MaxRateTableCapacity = 1 << 19, MinTableCapacity = 1 << 12;

    /// <summary>
    /// The capture ring is TPACKET_V3 (libpcap uses it when immediate mode is off): frames are packed
    /// into blocks by their captured length, so whole frames cost no slots. With immediate mode libpcap
    /// takes TPACKET_V2, whose fixed slots are sized for the snap length: 1,600 bytes a slot for a
    /// 1,522-byte snap length against 336 for the 256 bytes kept before, a sixth of the frames in the
    /// same memory (65k instead of 393k in 128 MiB). A V3 block is handed over when full or after this
    /// many milliseconds (the kernel's retire timer, in jiffies: 4 ms at HZ=250), so a quiet scan's
    /// replies wait at most that long; their capture times, which the RTT is measured from, are the
    /// kernel's and do not wait. The receive loop's idle watermark stays that far behind the clock.
    /// </summary>
    public const int CaptureBlockTimeoutMs = 4;

    /// <summary>
    /// How much of a frame the capture keeps: the whole of the largest frame the interface carries (its
    /// MTU, an Ethernet header and two 802.1Q tags), so a UDP reply of any size is judged whole. Headers
    /// alone were not enough: real daemons answer our own probes with 229-448-byte datagrams (nmbd,
    /// miniupnpd, kamailio), and a 256-byte snap length cut every reply over 214 bytes. The ring's
    /// packet capacity does not shrink with it: see <see cref="CaptureBlockTimeoutMs"/>.
    /// </summary>
    public static int CaptureSnaplen(string iface) => CaptureSnaplen(HostNetwork.Current.Mtu(iface));

    /// <summary>The snap length for an interface of this MTU (1,500 when unknown).</summary>
    internal static int CaptureSnaplen(int? mtu) => Math.Clamp((mtu ?? 1500) + 14 + 2 * 4, 256, 262144);

    /// <summary>
    /// The kernel's capture ring (made resident whole when it is mapped): the less of what the rate and
    /// what the scan can put in it, 2 to 128 MiB, but never fewer blocks than a quarter second of lag needs
    /// (below). Overflow shows as kernel drops.
    /// <list type="bullet">
    /// <item>The rate: about half a second of replies at the asked rate (a reply takes some 300 bytes of
    /// ring: a frame of up to ~100 bytes, its headers, alignment), 16 to 128 MiB; 128 MiB at --rate max.</item>
    /// <item>The scan: every probe's reply at once, none read yet (<paramref name="replies"/> x
    /// <paramref name="bytesPerReply"/>, <see cref="RingBytesPerReply"/>). A /16 x 80 at max gets 16 MiB,
    /// not 128. A block is handed over when full or after <see cref="CaptureBlockTimeoutMs"/>, so below
    /// some 450k replies/s blocks leave part full and the ring holds fewer replies than its bytes say:
    /// 16 MiB is then 64 blocks, a quarter of a second of a receive thread that reads nothing. It reads
    /// all along: 0 kernel drops at max in every run here, also with both CPUs kept busy by other work.</item>
    /// </list>
    /// The floor is counted in libpcap's 256 KiB blocks, not bytes: a block is handed over when full or
    /// after <see cref="CaptureBlockTimeoutMs"/> with anything in it, so a trickle of replies (and of
    /// whatever else the filter lets in: a fresh-clone CI run lost 2,729 of 11,648 replies of a /20 x 3
    /// ports scan at 20k/s beside 20k/s of forged segments, with 3 MiB of ring on a loaded machine) takes
    /// a block each 4 ms whatever its bytes. 64 blocks (16 MiB) ride out a receive thread a quarter of a
    /// second late; a scan of fewer replies than that takes a block per reply, 8 at least (2 MiB): one
    /// host x one port keeps its small ring.
    /// </summary>
    /// <param name="replies">Replies the scan can draw (its probes); <see cref="ulong.MaxValue"/> when
    /// unbounded (--banners: every connection brings segments).</param>
    public static int CaptureBuffer(double rate, ulong replies, int bytesPerReply)
    {
        double byRate = Math.Clamp(double.IsPositiveInfinity(rate) ? 128 << 20 : rate * 0.5 * 320, 16 << 20, 128 << 20);
        double byScan = (double)replies * bytesPerReply;
        long floor = (long)Math.Clamp(replies, MinCaptureBlocks, LagCaptureBlocks) * CaptureBlockBytes;
        return (int)Math.Max(floor, Math.Min(byRate, byScan));
    }

    /// <summary>libpcap's TPACKET_V3 block (its own choice for our snap length; no API sets it).</summary>
    public const int CaptureBlockBytes = 256 << 10;
    private const int MinCaptureBlocks = 8, LagCaptureBlocks = 64;
    public const int MinCaptureBuffer = MinCaptureBlocks * CaptureBlockBytes;

    /// <summary>
    /// What one reply takes of a TPACKET_V3 ring: the kernel puts each frame at a 16-aligned offset past
    /// its tpacket3_hdr and sockaddr_ll (82 bytes before an Ethernet header), and steps 8-aligned. A TCP
    /// scan's replies are small: a SYN-ACK or RST answering our SYN (58-74 bytes of frame: 144 of ring
    /// here), an ICMP or ICMPv6 error quoting it (at most 134 with two VLAN tags), so 256 bytes covers any
    /// of them. A UDP reply can be anything up to the snap length, so a scan with UDP ports counts that.
    /// </summary>
    public static int RingBytesPerReply(ScanPorts ports, int snaplen) =>
        ports.Udp.Count > 0 ? (RingFrameOffset + snaplen + 15) & ~15 : TcpReplyRingBytes;

    internal const int RingFrameOffset = 82, TcpReplyRingBytes = 256;

    /// <summary>A live scan's capture, sized for it (<see cref="CaptureBuffer"/>), filtered to its replies.</summary>
    private static PcapDevice OpenCapture(ScanOptions o, NetPath path, string filter, ulong probes)
    {
        int snaplen = CaptureSnaplen(path.Interface);
        int ring = CaptureBuffer(o.Rate, o.Banners is null ? probes : ulong.MaxValue, RingBytesPerReply(o.Ports, snaplen));
        return OpenDevice(path.Interface, new PcapOptions { InboundOnly = true, Filter = filter, BufferBytes = ring,
            Snaplen = snaplen, Immediate = false, TimeoutMs = CaptureBlockTimeoutMs, NonBlocking = true });
    }

    /// <summary>
    /// The send path: the platform's batched sender is the default where it works (one system call per
    /// batch; measured in docs/performance.md), libpcap where it does not, or when asked (<see cref="BatchedSender"/>).
    /// </summary>
    private static IFrameSink OpenWire(SendPath want, string iface) =>
        // A handle used only to send: its filter accepts nothing, so it never fills a capture ring.
        BatchedSender.Open(want, iface, () => new PcapSink(OpenDevice(iface,
            new PcapOptions { Snaplen = 64, BufferBytes = 1 << 20, Filter = "less 1", Immediate = false })));

    private static IFrameSink WithTrace(IFrameSink sink, ScanOptions o) => o.PacketTrace is { } trace ? new TracingSink(sink, trace) : sink;

    /// <summary>--banners from the host's own address: the kernel's RSTs for our source ports are held back while the scan runs.</summary>
    private static IDisposable? GuardConnections(NetPath path, ushort firstPort, ushort lastPort)
    {
        uint v4 = path.HasV4 && !path.AnswerArp ? path.SourceIp : 0;
        UInt128? v6 = path.V6 is { AnswerNd: false } p6 ? p6.SourceIp : null;
        if (v4 == 0 && v6 is null) return null;          // spare addresses: no kernel sees our connections
        if (!OperatingSystem.IsLinux()) throw new ScanSetupException("--banners from the host's own address needs Linux's nftables; give --source-ip a spare address of the link");
        return Sessions.KernelResetGuard.Install(v4, v6, firstPort, lastPort);
    }

    private static IFrameSink OpenDrySink(ScanOptions o)
    {
        if (o.WritePcap is null) return new CountingSink();
        try { return new PcapFileSink(o.WritePcap); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScanSetupException($"cannot write {o.WritePcap}: {e.Message}");
        }
    }

    /// <summary>
    /// The next hop's MAC, asked on the scan's capture handle (its filter is the question's meanwhile, then
    /// the scan's again; libpcap re-filters what the ring already holds). A handle of its own cost a ring set
    /// up and torn down, each waiting out RCU grace periods in the kernel (<see cref="Close"/>): 15-40 ms of
    /// a one-probe scan. The answer waits at most one block timeout (4 ms) in the ring.
    /// </summary>
    private static byte[] ResolveNextHop(PcapDevice capture, NetPath path, Func<PcapDevice, NetPath, byte[]> ask, string captureFilter)
    {
        try { return ask(capture, path); }
        finally { capture.SetFilter(captureFilter); }
    }

    /// <summary>
    /// Closes both at once. Closing a packet socket waits out an RCU grace period in the kernel
    /// (packet_release's synchronize_net; setting up or tearing down a capture ring another one each):
    /// 10-40 ms apiece on this VM, measured with strace -T, which one after the other were a fifth of a
    /// one-probe scan's wall time. Side by side the waits overlap.
    /// </summary>
    private static void Close(IDisposable first, IDisposable second)
    {
        var other = Task.Run(first.Dispose);
        second.Dispose();
        other.GetAwaiter().GetResult();
    }

    private static PcapDevice OpenDevice(string iface, PcapOptions options)
    {
        try { return PcapDevice.Open(iface, options); }
        catch (PcapException e) { throw new ScanSetupException(e.Message); }
        catch (DllNotFoundException e) { throw new ScanSetupException(e.Message); }
    }

    /// <summary>
    /// Source ports above the kernel's ephemeral range (ip_local_port_range), so replies never land
    /// on a connection of the host's own; 61000-65535 when the range leaves no room or is unknown
    /// (the host network says: <see cref="HostNetwork"/>, /proc/sys/net/ipv4/ip_local_port_range on Linux).
    /// </summary>
    public static (ushort, ushort) DefaultSourcePorts() => DefaultSourcePorts(HostNetwork.Current.EphemeralPorts());

    internal static (ushort, ushort) DefaultSourcePorts((int First, int Last)? ephemeral) =>
        ephemeral is { Last: >= 0 and <= 65535 - 1024 } range ? ((ushort)(range.Last + 1), (ushort)65535) : ((ushort)61000, (ushort)65535);
}
