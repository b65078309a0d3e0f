using RawScan.Results;
using RawScan.Targets;

namespace RawScan.Output;

/// <summary>
/// What the grouped reports (table, nmap XML, grepable) know of one host that answered: counts per
/// protocol, state and reason, the ports they may list, when it answered, its RTT and why it is up.
/// Counts, not results: a /20 x 1-1000 scan has 4 million closed results, and a host's closed ports
/// are listed only when few. Results of a state that is listed whatever its size (open, and the
/// states --show names) are all kept; of any other state at most <see cref="ListLimit"/>, since past
/// that the state is collapsed into "Not shown" anyway (nmap's threshold).
/// </summary>
internal sealed class HostTally(UInt128 address)
{
    /// <summary>nmap lists at most this many ports of a state it would otherwise fold ("more than 25 are not shown").</summary>
    public const int ListLimit = 25;

    public UInt128 Address { get; } = address;

    /// <summary>Results counted (one per port in a scan without --shard/--resume: the host is settled when all have come).</summary>
    public int Results { get; private set; }

    /// <summary>Earliest and latest reply times (Unix microseconds); 0 when none carried one.</summary>
    public long FirstMicros { get; private set; }
    public long LastMicros { get; private set; }

    /// <summary>Why the host is up (its most telling reply: syn-ack, then reset, then a UDP answer, then an ICMP error) and that reply's TTL.</summary>
    public PortReason Reason { get; private set; } = PortReason.Unknown;
    public byte ReasonTtl { get; private set; }

    /// <summary>Smoothed RTT and its variation (RFC 6298, as nmap's host timing), in microseconds, over <see cref="RttSamples"/>.</summary>
    public long SrttMicros { get; private set; }
    public long RttvarMicros { get; private set; }
    public int RttSamples { get; private set; }

    public readonly List<PortResult> Kept = [];

    /// <summary>What banner grabs found on this host's ports (--banners), by protocol and port; null until the first.</summary>
    public Dictionary<int, ServiceFinding>? Findings;

    /// <summary>The finding for a port of this host, or null. A port repeated keeps its first.</summary>
    public ServiceFinding? FindingOf(in PortResult r) => Findings?.GetValueOrDefault(Key(r));

    public void AddFinding(in PortResult r, ServiceFinding f) => (Findings ??= []).TryAdd(Key(r), f);

    private static int Key(in PortResult r) => (r.Protocol == Protocol.Tcp ? 0 : 1 << 16) + r.Port;
    public readonly List<Bucket> Buckets = [];

    public struct Bucket
    {
        public Protocol Protocol;
        public PortState State;
        public PortReason Reason;
        public int Count;
    }

    private int _reasonRank = int.MaxValue;
    private readonly int[] _byState = new int[4];

    public int CountOf(PortState s) => _byState[(int)s];

    /// <summary>Results of protocol <paramref name="p"/> counted, in any state.</summary>
    public int CountOf(Protocol p)
    {
        int n = 0;
        foreach (var b in Buckets) if (b.Protocol == p) n += b.Count;
        return n;
    }

    public void Add(in PortResult r, ShownStates shown)
    {
        Results++;
        Count(r.Protocol, r.State, r.ReasonOrDefault, 1);
        int n = _byState[(int)r.State];
        if (r.State == PortState.Open || shown.Includes(r.State) || n <= ListLimit) Kept.Add(r);
        else if (n == ListLimit + 1)
        {
            var state = r.State;
            Kept.RemoveAll(k => k.State == state);                   // folded from now on: keep none of it
        }
        if (r.TimestampMicros != 0)
        {
            if (FirstMicros == 0 || r.TimestampMicros < FirstMicros) FirstMicros = r.TimestampMicros;
            if (r.TimestampMicros > LastMicros) LastMicros = r.TimestampMicros;
        }
        if (r.RttMicros != 0) SampleRtt(r.RttMicros);
        if (r.Answered)
        {
            int rank = Rank(r);
            if (rank < _reasonRank) { _reasonRank = rank; Reason = r.ReasonOrDefault; ReasonTtl = r.Ttl; }
        }
    }

    /// <summary>Silent results whose ports are not known (came before the host answered, or derived at the end): counted, never listed.</summary>
    public void AddUnlisted(Protocol p, PortState s, int n)
    {
        if (n <= 0) return;
        Results += n;
        Count(p, s, PortReason.NoResponse, n);
    }

    private void Count(Protocol p, PortState s, PortReason reason, int n)
    {
        _byState[(int)s] += n;
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(Buckets);
        for (int i = 0; i < span.Length; i++)
            if (span[i].Protocol == p && span[i].State == s && span[i].Reason == reason) { span[i].Count += n; return; }
        Buckets.Add(new Bucket { Protocol = p, State = s, Reason = reason, Count = n });
    }

    /// <summary>RFC 6298 2.2-2.3: the first sample sets SRTT = R, RTTVAR = R/2; later ones smooth by 1/8 and 1/4.</summary>
    private void SampleRtt(long r)
    {
        if (RttSamples++ == 0) { SrttMicros = r; RttvarMicros = r / 2; return; }
        RttvarMicros = (3 * RttvarMicros + Math.Abs(SrttMicros - r)) / 4;
        SrttMicros = (7 * SrttMicros + r) / 8;
    }

    private static int Rank(in PortResult r) => r.ReasonOrDefault switch
    {
        PortReason.SynAck => 0,
        PortReason.Reset => 1,
        PortReason.ProtoResponse => 2,
        PortReason.UdpResponse => 3,
        PortReason.PortUnreach => 4,
        _ => 5,
    };
}

/// <summary>
/// The hosts of a scan as the grouped reports see them. A host is up when it sent anything (a host
/// that answered only with RSTs is up); hosts that never answered are down and not written. Only
/// hosts that answered get a <see cref="HostTally"/>; silent results of a host that has not
/// answered yet wait in a bounded pending table (at most <see cref="MaxPendingHosts"/> hosts and
/// <see cref="MaxPendingResults"/> results), so that a host whose first reply comes after some of
/// its ports timed out still lists and counts them. Past those bounds a silent result is only
/// counted at the end, derived (a scan without --shard/--resume that completed sends every host
/// every port: what did not answer is the rest).
/// </summary>
internal sealed class HostTallies
{
    public const int MaxPendingHosts = 1 << 18;
    public const int MaxPendingResults = 1 << 20;

    private readonly Dictionary<UInt128, HostTally> _hosts = [];
    private readonly Dictionary<UInt128, List<PortResult>> _pending = [];
    private int _pendingResults;
    private readonly ShownStates _shown;
    private readonly ScanHeader _header;

    public HostTallies(ScanHeader header)
    {
        _header = header;
        _shown = header.Shown;
        PortsPerHost = header.Partial ? 0 : header.Ports.Tcp.Count + header.Ports.Udp.Count;
    }

    /// <summary>Results each host gets in this scan, or 0 when that is not known (--shard, --resume).</summary>
    public int PortsPerHost { get; }

    public int Up => _hosts.Count + _forgotten;

    private int _forgotten;

    /// <summary>
    /// A streaming report has written the settled host out and needs it no more: it is dropped, and
    /// still counted as up. Without this the table held every host of a /16 sweep to the end (90 MB).
    /// </summary>
    public void Forget(HostTally h)
    {
        if (_hosts.Remove(h.Address)) _forgotten++;
    }

    /// <summary>Counts a host that answered and was written out at once, never held (see <see cref="TableWriter"/>'s one-port hosts).</summary>
    public void CountWritten() => _forgotten++;

    public ShownStates Shown => _shown;

    /// <summary>Counts the result; returns its host when the host has answered (null while it has not), and whether this result settled it.</summary>
    public HostTally? Add(in PortResult r, out bool settled) => Add(r, null, out settled);

    /// <summary>As <see cref="Add(in PortResult, out bool)"/>, keeping the port's banner finding (an open port: its host has answered).</summary>
    public HostTally? Add(in PortResult r, ServiceFinding? finding, out bool settled)
    {
        settled = false;
        if (!_hosts.TryGetValue(r.Address, out var h))
        {
            if (!r.Answered)
            {
                Pend(r);
                return null;
            }
            h = new HostTally(r.Address);
            _hosts.Add(r.Address, h);
            if (_pending.Remove(r.Address, out var waiting))
            {
                _pendingResults -= waiting.Count;
                foreach (var w in waiting) h.Add(w, _shown);
            }
        }
        h.Add(r, _shown);
        if (finding is not null) h.AddFinding(r, finding);
        settled = PortsPerHost > 0 && h.Results == PortsPerHost;
        return h;
    }

    private void Pend(in PortResult r)
    {
        if (!_pending.TryGetValue(r.Address, out var list))
        {
            if (PortsPerHost == 1) return;                            // its only port: the host is settled, and down
            if (_pending.Count >= MaxPendingHosts) return;
            _pending.Add(r.Address, list = []);
        }
        if (_pendingResults >= MaxPendingResults) return;
        list.Add(r);
        _pendingResults++;
        if (PortsPerHost > 0 && list.Count >= PortsPerHost)           // every port silent: down, settled
        {
            _pending.Remove(r.Address);
            _pendingResults -= list.Count;
        }
    }

    /// <summary>
    /// At the end of a complete scan (no --shard or --resume, not cut short), every port of a host
    /// that answered had a result: the ones not counted (silent results lost past the pending table's
    /// bounds) are added as silent, so the counts add up to the ports scanned.
    /// </summary>
    public void Complete(ScanSummary? summary)
    {
        _pending.Clear();
        _pendingResults = 0;
        if (PortsPerHost == 0 || summary is null || summary.End != ScanEnd.Completed) return;
        foreach (var h in _hosts.Values)
        {
            h.AddUnlisted(Protocol.Tcp, PortState.Filtered, _header.Ports.Tcp.Count - h.CountOf(Protocol.Tcp));
            h.AddUnlisted(Protocol.Udp, PortState.OpenFiltered, _header.Ports.Udp.Count - h.CountOf(Protocol.Udp));
        }
    }

    /// <summary>
    /// Every host that answered and is still held, in address order (a copy: a streaming report may
    /// <see cref="Forget"/> hosts while it walks them). For the table these are the hosts not yet
    /// printed: a printed host is forgotten.
    /// </summary>
    public HostTally[] All() => [.. _hosts.Values.OrderBy(h => h.Address)];
}

/// <summary>
/// How a host reads in a grouped report, nmap's way: open ports always listed; a state --show
/// names listed; any other state collapsed into "Not shown" / &lt;extraports&gt; / "Ignored State"
/// when it is the host's most common non-open state or has more than 25 ports, and listed
/// otherwise (a few filtered ports among many closed ones are shown). A state whose ports are not
/// all known (silent ones counted without their port) is collapsed too.
/// </summary>
internal readonly struct HostView
{
    public readonly HostTally Host;
    public readonly PortResult[] Rows;
    /// <summary>The collapsed buckets, most ports first (by state), then TCP before UDP, then by count.</summary>
    public readonly HostTally.Bucket[] Folded;

    public HostView(HostTally h, ShownStates shown)
    {
        Host = h;
        PortState? common = null;
        for (var s = PortState.Closed; s <= PortState.OpenFiltered; s++)
            if (h.CountOf(s) > 0 && (common is null || h.CountOf(s) > h.CountOf(common.Value))) common = s;
        Span<bool> folded = stackalloc bool[4];
        Span<int> kept = stackalloc int[4];
        foreach (var r in h.Kept) kept[(int)r.State]++;
        for (var s = PortState.Closed; s <= PortState.OpenFiltered; s++)
        {
            int n = h.CountOf(s);
            folded[(int)s] = n > 0 && (kept[(int)s] < n || (!shown.Includes(s) && (s == common || n > HostTally.ListLimit)));
        }
        var rows = new List<PortResult>(h.Kept.Count);
        foreach (var r in h.Kept) if (!folded[(int)r.State]) rows.Add(r);
        rows.Sort(ReportText.Compare);
        Rows = [.. Dedup(rows)];
        var f = new List<HostTally.Bucket>();
        foreach (var b in h.Buckets) if (folded[(int)b.State]) f.Add(b);
        var byState = new int[4];
        foreach (var b in f) byState[(int)b.State] += b.Count;
        Folded = [.. f.OrderByDescending(b => byState[(int)b.State]).ThenBy(b => b.State).ThenBy(b => b.Protocol).ThenByDescending(b => b.Count).ThenBy(b => b.Reason)];
    }

    /// <summary>A port repeated (a late duplicate, a resumed scan) is listed once, first kept first.</summary>
    private static IEnumerable<PortResult> Dedup(List<PortResult> sorted)
    {
        for (int i = 0; i < sorted.Count; i++)
            if (i == 0 || ReportText.Compare(sorted[i - 1], sorted[i]) != 0) yield return sorted[i];
    }

    /// <summary>The collapsed states, most ports first, each with its total over both protocols.</summary>
    public IEnumerable<(PortState State, int Count)> FoldedStates() =>
        Folded.GroupBy(b => b.State).Select(g => (g.Key, g.Sum(b => b.Count)));

    /// <summary>
    /// The ports of a folded (protocol, state, reason) when they can be named: a complete scan, and
    /// the only folded bucket of its protocol, whose ports are the scanned ones less those listed.
    /// Null otherwise (the attribute is optional in nmap.dtd).
    /// </summary>
    public string? PortsOf(in HostTally.Bucket b, ScanHeader header, int portsPerHost)
    {
        if (portsPerHost == 0) return null;
        int same = 0;
        foreach (var x in Folded) if (x.Protocol == b.Protocol) same++;
        if (same != 1) return null;
        var scanned = b.Protocol == Protocol.Tcp ? header.Ports.Tcp : header.Ports.Udp;
        var listed = new HashSet<ushort>();
        foreach (var r in Rows) if (r.Protocol == b.Protocol) listed.Add(r.Port);
        if (scanned.Count - listed.Count != b.Count) return null;
        var sb = new System.Text.StringBuilder();
        int start = -1, prev = -2;
        void Flush()
        {
            if (start < 0) return;
            if (sb.Length > 0) sb.Append(',');
            sb.Append(start);
            if (prev != start) sb.Append('-').Append(prev);
        }
        foreach (var (first, last) in scanned.Ranges)
            for (int p = first; p <= last; p++)
            {
                if (listed.Contains((ushort)p)) continue;
                if (p != prev + 1) { Flush(); start = p; }
                prev = p;
            }
        Flush();
        return sb.ToString();
    }
}
