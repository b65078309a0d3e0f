using Xunit;
using RawScan.Output;
using RawScan.Registry;
using RawScan.Results;
using RawScan.Targets;

namespace RawScan.Tests;

/// <summary>One set of results, written the way a scan writes them, for the format tests and the diff tests.</summary>
internal static class Reports
{
    public static UInt128 Ip(string s) => RawScan.Targets.Ip.TryParse(s, out var a) ? a : throw new ArgumentException(s);

    /// <summary>A result with the reason a scan gives it: a filtered port with a TTL was an ICMP admin-prohibited.</summary>
    public static PortResult R(string ip, Protocol p, ushort port, PortState s, byte ttl) =>
        new(Ip(ip), p, port, s, ttl, 0, s == PortState.Filtered && ttl != 0 ? PortReason.AdminProhibited : PortReasonNames.Default(s, p));

    /// <summary>Three hosts, TCP and UDP, every state, flagged ports, a port without a service name;
    /// .10 sorts after .2 by number but before it as text, and answered only with an ICMP error (it is up).</summary>
    public static readonly PortResult[] Sample =
    [
        R("198.18.0.1", Protocol.Tcp, 22, PortState.Open, 64),
        R("198.18.0.1", Protocol.Tcp, 80, PortState.Open, 64),
        R("198.18.0.1", Protocol.Tcp, 443, PortState.Closed, 64),
        R("198.18.0.1", Protocol.Tcp, 25, PortState.Filtered, 0),
        R("198.18.0.1", Protocol.Tcp, 31999, PortState.Filtered, 63),
        R("198.18.0.1", Protocol.Udp, 53, PortState.Open, 64),
        R("198.18.0.1", Protocol.Udp, 123, PortState.Closed, 64),
        R("198.18.0.1", Protocol.Udp, 161, PortState.OpenFiltered, 0),
        R("198.18.0.2", Protocol.Tcp, 12345, PortState.Open, 128),
        R("198.18.0.2", Protocol.Tcp, 8080, PortState.Open, 128),
        R("198.18.0.2", Protocol.Tcp, 31337, PortState.Closed, 128),
        R("198.18.0.10", Protocol.Tcp, 22, PortState.Filtered, 63),
        R("198.18.0.10", Protocol.Udp, 500, PortState.OpenFiltered, 0),
    ];

    public static readonly DateTimeOffset Start = new(2025, 1, 6, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The sample's scan with --show closed,filtered: every result is listed.</summary>
    public static ScanHeader Header => OpenOnlyHeader with { Show = new ShownStates(true, true) };

    /// <summary>
    /// The sample's scan as run by default (open ports listed, the rest counted). Partial: the sample
    /// does not give every host a result for every port, as a --shard run would not.
    /// </summary>
    public static ScanHeader OpenOnlyHeader => new(
        "rawscan scan 198.18.0.0/24 -p T:22,25,80,443,8080,8443,12345,31337,31999,U:53,123,161,500 -sS -sU --rate 1000",
        Start, ScanPorts.Parse("T:22,25,80,443,8080,8443,12345,31337,31999,U:53,123,161,500", ScanTypes.Tcp | ScanTypes.Udp), 256, "0.9.0",
        Partial: true);

    public static ScanSummary Summary(ScanEnd end = ScanEnd.Completed, string? error = null) => new()
    {
        End = end, Error = error, Interface = "veth0", SendPath = "test", SourceIp = 0xC61200FE, NextHopMac = "02:00:00:00:00:01",
        ProbesPlanned = 256 * 13, ProbesSent = 256 * 13, Replies = 9, Duplicates = 0, Forged = 0, Malformed = 0,
        Open = 6, Closed = 4, Filtered = 3, OpenFiltered = 2, Retransmits = 0, Late = 0, ResetsSent = 0,
        SmoothedRtt = TimeSpan.FromMilliseconds(1), Timeout = TimeSpan.FromSeconds(1), KernelDrops = 0,
        SendTime = TimeSpan.FromSeconds(3), NextPosition = 256 * 13, Duration = TimeSpan.FromSeconds(4.25),
    };

    /// <summary>The results in a shuffled order (a host's ports far apart, as a scan's arrive).</summary>
    public static PortResult[] Shuffled(IEnumerable<PortResult> results, int seed)
    {
        var a = results.ToArray();
        new Random(seed).Shuffle(a);
        return a;
    }

    public static string Write(string path, string format, IEnumerable<PortResult> results, IServiceRegistry? registry = null,
        ScanSummary? summary = null, bool begin = true, ScanHeader? header = null)
    {
        using var w = ReportFormats.Create(format, File.Create(path), registry ?? new StubServiceRegistry());
        if (begin) w.Begin(header ?? Header);
        foreach (var r in results) w.OnResult(r);
        w.End(summary ?? Summary());
        return path;
    }

    public static string Ext(string format) => ReportFormats.ByName(format).Extension;

    /// <summary>What every format keeps of a result (the timestamp is for the scan only; grepable drops the TTL).</summary>
    public static HashSet<(UInt128, Protocol, ushort, PortState, byte)> Keys(IEnumerable<PortResult> rs, bool ttl = true) =>
        [.. rs.Select(r => (r.Address, r.Protocol, r.Port, r.State, ttl ? r.Ttl : (byte)0))];

    /// <summary>Where Debian's nmap-common puts nmap's DTD, which -oX files must validate against.</summary>
    public const string NmapDtd = "/usr/share/nmap/nmap.dtd";

    /// <summary>xmllint --dtdvalid against nmap's DTD: the file is nmap XML as nmap's own tools expect it.</summary>
    public static void AssertValidNmapXml(string path)
    {
        Assert.True(File.Exists(NmapDtd), $"{NmapDtd} is missing: install Debian's nmap-common (with nmap)");
        var r = RawScan.Lab.Internal.Exec.TryRun(null, ["xmllint", "--noout", "--dtdvalid", NmapDtd, path]);
        Assert.True(r.ExitCode == 0, $"xmllint: {r.StdErr}\n{File.ReadAllText(path)}");
    }

    /// <summary>How many times <paramref name="s"/> occurs in <paramref name="text"/>.</summary>
    public static int Occurrences(string text, string s)
    {
        int n = 0;
        for (int i = text.IndexOf(s, StringComparison.Ordinal); i >= 0; i = text.IndexOf(s, i + 1, StringComparison.Ordinal)) n++;
        return n;
    }
}
