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

/// <summary>A scan that cannot start: no route, no interface, no next hop, no capture. One line, for the user.</summary>
public sealed class ScanSetupException(string message) : Exception(message);

/// <summary>
/// Runs one scan: finds the way out (route, interface, source, next hop by ARP), opens the capture,
/// starts the receive loop on its own thread, then the send loop on another, waits the cooldown after
/// the last probe and stops. Results stream to the sink as they are proved. A dry run does the same
/// up to the wire: frames go to a pcap file or a counter, and nothing is captured.
/// </summary>
public sealed class Scanner
{
    public ScanCounters Counters { get; } = new();

    public ScanSummary Run(ScanOptions o, IResultSink sink, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var path = o.DryRun ? ResolveDryRunPath(o) : ResolvePath(o);
        var (firstPort, lastPort) = o.SourcePorts ?? DefaultSourcePorts();
        var space = new ScanSpace(o.Targets, o.Ports);
        var order = new FeistelPermutation(space.Count, o.Seed);
        ulong start = o.StartPosition ?? o.Shard.First;
        Counters.ProbesPlanned = (long)(o.Shard.CountOf(space.Count) - o.Shard.CountOf(Math.Min(start, space.Count)));
        var cookie = o.CookieKey is { } k ? new SynCookie(k.K0, k.K1) : SynCookie.Random();

        using var rx = o.DryRun ? null : OpenDevice(path.Interface,
            new PcapOptions { InboundOnly = true, Filter = CaptureFilter(path, firstPort, lastPort), BufferBytes = CaptureBuffer(o.Rate),
                Snaplen = CaptureSnaplen(path.Interface), Immediate = false, TimeoutMs = CaptureBlockTimeoutMs, NonBlocking = true });
        byte[] nextHopMac = o.RouterMac ?? (o.DryRun ? new byte[6] : ResolveNextHop(path));
        IFrameSink sender = o.DryRun ? OpenDrySink(o) : OpenWire(o.SendPath, path.Interface);
        if (o.PacketTrace is { } trace) sender = new TracingSink(sender, trace);
        using var _ = sender;

        var probes = new ProbeBuilder(new TcpTemplate(path.Mac, nextHopMac, path.SourceIp), cookie,
            new UdpTemplate(path.Mac, nextHopMac, path.SourceIp), o.UdpPayloads);
        var sourcePorts = new SourcePorts(firstPort, lastPort);
        Retransmission? retransmission = null;
        ReceiveLoop? receiver = null;
        var receiveClock = new ReceiveClock();
        Exception? rxError = null;
        Thread? rxThread = null;
        if (rx is not null)
        {
            var table = new FourTupleTable(TableCapacity(o.Rate));
            var rtt = new RttEstimator(MinTimeout, InitialTimeout);
            retransmission = new Retransmission(table, rtt, o.Retries, new ResultQueue(1 << 16));
            var matcher = new ReplyMatcher(probes, sourcePorts);
            var reset = o.Reset ? new TcpTemplate(path.Mac, nextHopMac, path.SourceIp, flags: TcpTemplate.Rst) : null;
            receiver = new ReceiveLoop(rx, matcher, table, sourcePorts, rtt, retransmission.Filtered, sink, Counters, receiveClock,
                path.AnswerArp ? new ArpIdentity(path.SourceIp, path.Mac) : null, reset, o.PacketTrace,
                idleLagTicks: (CaptureBlockTimeoutMs + 10) * Stopwatch.Frequency / 1000);
            rxThread = new Thread(() => { try { receiver.Run(); } catch (Exception e) { rxError = e; } })
            { Name = "rawscan-rx", IsBackground = true, Priority = ThreadPriority.AboveNormal };
            rxThread.Start();
        }
        var transmitter = new Transmitter(space, order, o.Shard, probes, sourcePorts, sender,
            new RateLimiter(o.Rate), Counters, start, retransmission, rx is null ? null : receiveClock);
        bool ReceiverAlive() => rxThread is null || rxThread.IsAlive;

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
            if (!ReceiverAlive()) stopTx.Cancel();

        if (receiver is not null)
        {
            // Cooldown: replies to the last probes are still on their way. Cut short by Ctrl-C or a failed receiver.
            if (txError is null && ReceiverAlive())
            {
                var wait = o.Wait ?? AutoWait(retransmission!.Rtt);
                var until = Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency);
                // With the default wait, a scan whose every probe is already answered has nothing to wait for.
                while (Stopwatch.GetTimestamp() < until && !ct.IsCancellationRequested && ReceiverAlive()
                       && !(o.Wait is null && Counters.AllAnswered))
                    Thread.Sleep(5);
            }
            receiver.Stop();
            rxThread!.Join();
            retransmission!.Finish(sink, Counters);   // what never answered is filtered; only this thread writes now
        }

        var error = txError ?? rxError;
        var c = Counters;
        return new ScanSummary
        {
            End = error is not null ? ScanEnd.Failed : ct.IsCancellationRequested ? ScanEnd.Interrupted : ScanEnd.Completed,
            Error = error?.Message,
            Interface = path.Interface,
            SendPath = sender.Name,
            SourceIp = path.SourceIp,
            NextHopMac = Mac.Format(nextHopMac),
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
            SmoothedRtt = retransmission?.Rtt.Smoothed ?? TimeSpan.Zero,
            Timeout = retransmission?.Rtt.Timeout ?? TimeSpan.Zero,
            KernelDrops = c.KernelDrops,
            SendTime = Stopwatch.GetElapsedTime(sendStart, sendEnd),
            Duration = Stopwatch.GetElapsedTime(started),
            NextPosition = transmitter.NextPosition,
        };
    }

    /// <summary>
    /// The cooldown when --wait is not given: three timeouts of the measured RTT (a reply later than
    /// that is very unlikely), within 0.25-2 s, cut short once every probe is answered. In the lab
    /// that is 0.3 s at most; across a continent about 1 s.
    /// </summary>
    public static TimeSpan AutoWait(RttEstimator rtt) =>
        TimeSpan.FromSeconds(Math.Clamp(3 * rtt.Timeout.TotalSeconds, 0.25, 2));

    /// <summary>No retransmission sooner than this after a send, however short the measured RTT (nmap's --min-rtt-timeout).</summary>
    public static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>The timeout before the first RTT sample (RFC 6298 says 1 s).</summary>
    public static readonly TimeSpan InitialTimeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Slots for probes in flight: about two seconds' worth at the asked rate (a probe is held for one
    /// timeout if answered, one per try, each doubling, if not), doubled since the sender stops adding at
    /// half full. Bounded by rate x timeout, not by the size of the scan: 4,096 to 2M slots (32 bytes
    /// each, and 16 more in the retransmission FIFO). For --rate max, 512k slots (24 MiB): room for
    /// 256k probes in flight, 2.5M probes/s answered at the 100 ms timeout or 850k/s silent with one
    /// retry, well above what this machine's lab answers. Not 2M: the table is made resident before the
    /// scan, and on this VM first touches cost 0.23 s of start-up for 96 MiB (0.06 s for 24 MiB), while
    /// 256k and 2M slots measured the same send rate.
    /// </summary>
    public static int TableCapacity(double rate)
    {
        if (double.IsPositiveInfinity(rate)) return MaxRateTableCapacity;
        return (int)Math.Clamp(System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)Math.Max(rate * 2 * 2, 1)), 1 << 12, 1 << 21);
    }

    public const int MaxRateTableCapacity = 1 << 19;

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
    public static int CaptureSnaplen(string iface, string sysClassNet = "/sys/class/net")
    {
        int mtu = 1500;
        try
        {
            if (int.TryParse(File.ReadAllText(Path.Combine(sysClassNet, iface, "mtu")).Trim(), out int m) && m > 0) mtu = m;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException) { }
        return Math.Clamp(mtu + 14 + 2 * 4, 256, 262144);
    }

    /// <summary>
    /// The kernel's capture ring: about half a second of replies at the asked rate (a reply takes some
    /// 300 bytes of ring: a frame of up to ~100 bytes, its headers, alignment), 16 to 128 MiB. Overflow shows as kernel drops.
    /// </summary>
    public static int CaptureBuffer(double rate) =>
        (int)Math.Clamp(double.IsPositiveInfinity(rate) ? 128 << 20 : rate * 0.5 * 320, 16 << 20, 128 << 20);

    /// <summary>Only replies to our source address and ports, ICMP errors to us, and ARP requests for a source we answer for.</summary>
    private static string CaptureFilter(NetPath path, ushort firstPort, ushort lastPort)
    {
        string filter = $"((tcp or udp) and dst host {Ipv4.Format(path.SourceIp)} and dst portrange {firstPort}-{lastPort})"
                      + $" or (icmp and dst host {Ipv4.Format(path.SourceIp)} and icmp[0] = 3)";
        if (path.AnswerArp) filter += $" or (arp and arp[6:2] = 1 and arp[24:4] = {path.SourceIp})";
        return filter;
    }

    /// <summary>
    /// The send path: native is the default where it works (one system call per batch; measured in
    /// docs/performance.md), libpcap where it does not, or when asked.
    /// </summary>
    private static IFrameSink OpenWire(SendPath want, string iface)
    {
        if (want != SendPath.Pcap)
        {
            var native = NativeSink.TryOpen(iface, qdiscBypass: false, out string? why);
            if (native is not null) return native;
            if (want == SendPath.Native) throw new ScanSetupException($"native send path unavailable: {why}");
        }
        // A handle used only to send: its filter accepts nothing, so it never fills a capture ring.
        return new PcapSink(OpenDevice(iface, new PcapOptions { Snaplen = 64, BufferBytes = 1 << 20, Filter = "less 1", Immediate = false }));
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

    /// <summary>Where frames leave and from which address.</summary>
    public sealed record NetPath(string Interface, byte[] Mac, uint SourceIp, uint NextHop, bool AnswerArp);

    /// <summary>Route lookup, interface facts and the source address; every failure is one readable line.</summary>
    public static NetPath ResolvePath(ScanOptions o, RouteTable? routes = null)
    {
        if (o.Targets.Count == 0) throw new ScanSetupException("no targets left to scan");
        routes ??= RouteTable.Load();
        uint first = o.Targets.Ranges[0].First;
        var route = routes.Lookup(first, o.Interface);
        if (route is null)
        {
            if (o.Interface is null) throw new ScanSetupException($"no route to {Ipv4.Format(first)} in this network namespace");
            route = new Route(o.Interface, 0, 0, 0, 0);
        }
        foreach (var r in o.Targets.Ranges)
            foreach (var a in new[] { r.First, r.Last })
            {
                var other = routes.Lookup(a, o.Interface);
                if (other is not null && other.Interface != route.Interface)
                    throw new ScanSetupException($"targets route through different interfaces ({route.Interface} and {other.Interface}): scan them separately or pass --interface");
                if (other is not null && other.IsDefault && !o.AllowDefaultRoute)
                    throw new ScanSetupException(
                        $"refusing to scan {Ipv4.Format(a)}: its route is this namespace's default route (via {route.Interface}), so the scan would leave the network; pass --allow-default-route if that is meant");
            }

        var nic = NetInterface.Find(route.Interface)
            ?? throw new ScanSetupException($"interface {route.Interface} not found (have: {string.Join(", ", NetInterface.Names())})");
        if (nic.Mac.Length != 6) throw new ScanSetupException($"interface {nic.Name} is not Ethernet");
        uint nextHop = route.Gateway != 0 ? route.Gateway : first;
        uint src = o.SourceIp ?? nic.AddressFacing(nextHop)
            ?? throw new ScanSetupException($"interface {nic.Name} has no IPv4 address: pass --source-ip");
        return new NetPath(nic.Name, nic.Mac, src, nextHop, AnswerArp: !nic.Owns(src));
    }

    /// <summary>
    /// A dry run sends nothing, so it needs no route, and may go where a live scan may not (a default
    /// route): it takes what the route offers and --source-ip for what it cannot find.
    /// </summary>
    private static NetPath ResolveDryRunPath(ScanOptions o)
    {
        try
        {
            return ResolvePath(o with { AllowDefaultRoute = true });
        }
        catch (ScanSetupException) when (o.SourceIp is not null)
        {
            return new NetPath(o.Interface ?? "none", new byte[6], o.SourceIp.Value, 0, AnswerArp: false);
        }
    }

    private static byte[] ResolveNextHop(NetPath path)
    {
        using var dev = OpenDevice(path.Interface, new PcapOptions { TimeoutMs = 50 });
        return Arp.Resolve(dev, path.Mac, path.SourceIp, path.NextHop)
            ?? throw new ScanSetupException($"no ARP reply from next hop {Ipv4.Format(path.NextHop)} on {path.Interface}: pass --router-mac");
    }

    private static PcapDevice OpenDevice(string iface, PcapOptions options)
    {
        try { return PcapDevice.Open(iface, options); }
        catch (PcapException e) { throw new ScanSetupException(e.Message); }
        catch (DllNotFoundException e) { throw new ScanSetupException(e.Message); }
    }

    /// <summary>
    /// Source ports above the kernel's ephemeral range (ip_local_port_range), so replies never land
    /// on a connection of the host's own; 61000-65535 when the range leaves no room.
    /// </summary>
    public static (ushort, ushort) DefaultSourcePorts(string path = "/proc/sys/net/ipv4/ip_local_port_range")
    {
        try
        {
            var f = File.ReadAllText(path).Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            int hi = int.Parse(f[1]);
            if (hi <= 65535 - 1024) return ((ushort)(hi + 1), 65535);
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException or UnauthorizedAccessException) { }
        return (61000, 65535);
    }
}
