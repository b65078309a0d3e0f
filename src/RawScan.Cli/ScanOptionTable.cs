using RawScan.Banners;
using RawScan.Output;
using RawScan.Permutation;
using RawScan.Probes;
using RawScan.Routing;
using RawScan.Targets;

namespace RawScan.Cli;

/// <summary>What the options of <c>rawscan scan</c> set while they are read; <see cref="ScanCommand"/> checks and builds from it.</summary>
internal sealed class ScanArgs
{
    public ScanOptions Options { get; set; } = new()
    {
        Targets = TargetSet.Empty, Ports = new ScanPorts(PortSet.None, PortSet.None), UdpPayloads = UdpPayloadTable.Default,
    };
    public List<string> Targets { get; } = [];
    public List<string> IncludeFiles { get; } = [];
    public List<TargetSet> Excludes { get; } = [];
    public bool BuiltinExclude { get; set; } = true;
    public bool SeedGiven { get; set; }
    public ScanTypes Types { get; set; }
    public string? Ports { get; set; }
    public string? TopPorts { get; set; }
    public string? UserPayloads { get; set; }
    public string? NmapPayloads { get; set; }
    public List<(ReportFormat Format, string Path)> Outputs { get; } = [];
    public ShownStates Show { get; set; } = ShownStates.OpenOnly;
    public bool Reason { get; set; }
    public bool OpenLines { get; set; }
    public bool PacketTrace { get; set; }
    public bool StatusJson { get; set; }
    public bool Debug { get; set; }
    public string? Lab { get; set; }
    public string? Resume { get; set; }
    public string ResumePath { get; set; } = ResumeFile.DefaultPath;
    public double? MaxRate { get; set; }
    public int? BannerBytes { get; set; }
    public int? BannerConnections { get; set; }
    public TimeSpan? BannerWait { get; set; }
}

/// <summary>
/// Every option of <c>rawscan scan</c>, once. The usage text, parsing (every value option also as
/// --name=value), the arguments re-run inside --lab and those a resume file keeps all come from
/// <see cref="All"/>; a new option is one entry here and a line in README's table (a test holds them together).
/// </summary>
internal static class ScanOptionTable
{
    private static CliOption<ScanArgs> Flag(string[] names, OnResume resume, Action<ScanArgs> set, string help) =>
        new(names, null, resume, (a, _) => set(a), help);

    private static CliOption<ScanArgs> Valued(string[] names, string value, OnResume resume, Action<ScanArgs, string> set, string help) =>
        new(names, value, resume, set, help);

    private const OnResume Fixed = OnResume.Fixed, MayChange = OnResume.MayChange;

    public static readonly CliOption<ScanArgs> Targets = Valued([], "TARGETS", Fixed, (a, v) => a.Targets.Add(v),
        "addresses, CIDR blocks (198.18.0.0/16) and ranges (a.b.c.d-e.f.g.h), comma or space separated");

    public static readonly CliOption<ScanArgs> Resume = Valued(["--resume"], "FILE", Fixed, (a, v) => a.Resume = v,
        "finish the scan an interrupted run saved to FILE; options after it (e.g. --rate) override the saved ones") with { Saved = false };

    public static readonly CliOption<ScanArgs> Seed = Valued(["--seed"], "N", Fixed, (a, v) =>
        {
            a.SeedGiven = true;
            a.Options = a.Options with { Seed = ulong.TryParse(v, out ulong seed) ? seed : throw new BadInputException("seed", v, "a whole number 0-18446744073709551615") };
        },
        "seed of the probe order (default: random); shards need the same seed") with { Saved = false };

    public static readonly CliOption<ScanArgs> Lab = Valued(["--lab"], "NAME", MayChange, (a, v) => a.Lab = v,
        "run the scan inside the built-in lab NAME (brought up for the scan if it is down)") with { ToLab = false, Saved = false };

    /// <summary>In the order of the usage text.</summary>
    public static readonly IReadOnlyList<CliOption<ScanArgs>> All =
    [
        Targets,
        Valued(["-p", "--ports"], "PORTS", Fixed, (a, v) => a.Ports = v,
            "ports and ranges: 22,80,8000-8100; T: and U: pick the protocol: T:22,80,U:53,161") with { Glued = true },
        Flag(["-sS"], Fixed, a => a.Types |= ScanTypes.Tcp, "TCP SYN scan (the default); with -sU, -p without T:/U: applies to each"),
        Flag(["-sU"], Fixed, a => a.Types |= ScanTypes.Udp, "UDP scan"),
        Valued(["--udp-payloads"], "FILE", Fixed, (a, v) => a.UserPayloads = v,
            "UDP payloads per port ('udp PORTS \"bytes\"' lines), over the built-in protocol probes"),
        Valued(["--nmap-payloads"], "FILE", Fixed, (a, v) => a.NmapPayloads = v,
            "nmap's UDP payloads file (default: /usr/share/nmap/nmap-payloads when nmap is installed),\nunder the built-in protocol probes"),
        Valued(["--rate"], "PPS", MayChange, (a, v) => a.Options = v == "auto"
                ? a.Options with { AutoRate = true, Rate = a.MaxRate ?? double.PositiveInfinity }
                : a.Options with { AutoRate = false, Rate = OptionParser.ParseRate(v) },
            "packets per second over the whole scan, 0.01-100000000 (default 100000; 'max' for no ceiling; 'auto' to follow what the path delivers)"),
        Valued(["--max-rate"], "PPS", MayChange, (a, v) =>
            {
                a.MaxRate = OptionParser.ParseRate(v);
                if (a.Options.AutoRate) a.Options = a.Options with { Rate = a.MaxRate.Value };
            },
            "with --rate auto: never above PPS (default max)"),
        Valued(["--wait"], "SECONDS", MayChange, (a, v) => a.Options = a.Options with { Wait = OptionParser.ParseSeconds(v, "wait") },
            "keep listening this long after the last probe (default: 3 RTT-derived timeouts, 0.25-2 s)"),
        Valued(["--show"], "STATES", MayChange, (a, v) => a.Show = ShownStates.Parse(v),
            "also report these states: closed, filtered, or closed,filtered (default: open only)"),
        Flag(["--reason"], MayChange, a => a.Reason = true,
            "the table gets REASON and TTL columns (nmap's reasons: syn-ack, reset, no-response...)"),
        Flag(["--open-lines"], MayChange, a => a.OpenLines = true,
            "print 'open 443/tcp on 198.18.0.7 https' as each port is found, instead of host blocks"),
        Valued(["--retries"], "N", MayChange, (a, v) => a.Options = a.Options with
            {
                Retries = int.TryParse(v, out int retries) && retries is >= 0 and <= 20 && v.All(char.IsAsciiDigit) ? retries
                    : throw new BadInputException("retries", v, "a whole number 0-20"),
            },
            "resend a probe still unanswered after the timeout up to N times (default 1)"),
        Flag(["--banners"], Fixed, a => a.Options = a.Options with { Banners = a.Options.Banners ?? new BannerOptions() },
            "complete the handshake of every open TCP port, read its banner (sending a hello where the server waits) and name its service"),
        Valued(["--banner-bytes"], "N", MayChange, (a, v) => a.BannerBytes = OptionParser.ParseCount(v, "banner bytes", 16, 65536),
            "with --banners: keep at most N bytes of a banner (16-65536, default 4096)"),
        Valued(["--banner-connections"], "N", MayChange, (a, v) => a.BannerConnections = OptionParser.ParseCount(v, "banner connections", 1, 1 << 20),
            "with --banners: at most N connections open at once; the sweep waits for room (1-1048576, default 4096)"),
        Valued(["--banner-wait"], "SECONDS", MayChange, (a, v) => a.BannerWait = OptionParser.ParseSeconds(v, "banner wait"),
            "with --banners: how long a step waits for a greeting or an answer (default 1 s)"),
        Flag(["--reset"], MayChange, a => a.Options = a.Options with { Reset = true },
            "send a RST for every SYN-ACK, closing the half-open connection on the target"),
        .. ReportFormats.All.Select(f => Valued([f.Flag], "FILE", MayChange, (a, v) => a.Outputs.AddRange(ReportFormats.Expand(f.Flag, v)), f.Help)),
        Valued([ReportFormats.AllFlag], "BASE", MayChange, (a, v) => a.Outputs.AddRange(ReportFormats.Expand(ReportFormats.AllFlag, v)),
            string.Join(", ", ReportFormats.OfAll.Select(f => "BASE." + f.Extension))),
        Valued(["--top-ports"], "N", Fixed, (a, v) => a.TopPorts = int.TryParse(v, out int top) && top is >= 1 and <= 65536 && v.All(char.IsAsciiDigit) ? v
                : throw new BadInputException("--top-ports", v, "a number of ports, 1-65536"),
            "the N most often open ports (of each protocol asked for) instead of -p"),
        Valued(["--interface", "-e"], "IF", MayChange, (a, v) => a.Options = a.Options with
            {
                Interface = v.Length is > 0 and <= 15 ? v : throw new BadInputException("interface", v, "not an interface name"),
            },
            "send on IF instead of the one the route to the targets names"),
        // Once per family: an IPv4 and an IPv6 source for a scan of both.
        Valued(["--source-ip"], "ADDR", MayChange, (a, v) => a.Options = Ipv4.TryParse(v, out uint ip) ? a.Options with { SourceIp = ip }
                : Ipv6.TryParse(v, out UInt128 ip6) && !Ip.IsV4(ip6) ? a.Options with { SourceIp6 = ip6 }
                : throw new BadInputException("source address", v, "not an IPv4 or IPv6 address"),
            "send from ADDR (IPv4 or IPv6; give one of each for a scan of both); RawScan answers ARP or Neighbor Discovery for it if the host does not own it"),
        Valued(["--router-mac"], "MAC", MayChange, (a, v) => a.Options = a.Options with { RouterMac = Mac.Parse(v, "router MAC") },
            "next-hop MAC, instead of asking for it with ARP"),
        Flag(["--allow-default-route"], MayChange, a => a.Options = a.Options with { AllowDefaultRoute = true },
            "scan targets whose route is the default route (leaves the local network)"),
        Valued(["-iL", "--includefile"], "FILE", Fixed, (a, v) => a.IncludeFiles.Add(v),
            "also scan the targets listed in FILE ('#' starts a comment)"),
        Valued(["--exclude"], "TARGETS", Fixed, (a, v) => a.Excludes.Add(TargetSet.Parse(v, "exclude")), "never send to these addresses"),
        Valued(["--excludefile"], "FILE", Fixed, (a, v) => a.Excludes.Add(TargetFiles.Read(v, "exclude")), "never send to the addresses listed in FILE"),
        Flag(["--no-builtin-exclude"], Fixed, a => a.BuiltinExclude = false,
            "lift the built-in exclude (0/8, 127/8, 224/4, 240/4, 255.255.255.255)"),
        Seed,
        Valued(["--shard"], "I/N", Fixed, (a, v) => a.Options = a.Options with { Shard = Shard.Parse(v) },
            "send only shard I of N: N machines with the same seed cover every probe once"),
        Valued(["--source-port"], "P|A-B", Fixed, (a, v) =>
            {
                var sp = PortSet.Parse(v);
                if (sp.Ranges.Count != 1) throw new BadInputException("source port", v, "one port or one range A-B");
                if (sp.Ranges[0].First == 0) throw new BadInputException("source port", v, "source ports go from 1 to 65535");
                a.Options = a.Options with { SourcePorts = sp.Ranges[0] };
            },
            "source port or range, 1-65535 (default: above the kernel's ephemeral range)"),
        Valued(["--send-path"], "PATH", MayChange, (a, v) => a.Options = a.Options with
            {
                SendPath = v switch
                {
                    "auto" => SendPath.Auto,
                    "native" => SendPath.Native,
                    "pcap" => SendPath.Pcap,
                    _ => throw new BadInputException("send path", v, "one of auto, native, pcap"),
                },
            },
            "auto (default: native if it works here, else pcap), native or pcap"),
        Flag(["--dry-run"], MayChange, a => a.Options = a.Options with { DryRun = true },
            "everything but the wire: no capture, no ARP; frames are counted, or written by --write-pcap"),
        Valued(["--write-pcap"], "FILE", MayChange, (a, v) => a.Options = a.Options with { WritePcap = OptionParser.WritableFile(v, "pcap file") },
            "with --dry-run: write every frame to FILE (pcap, readable by tcpdump)"),
        Flag(["--packet-trace"], MayChange, a => a.PacketTrace = true, "print each packet sent and each reply received (for small scans)"),
        Flag(["--status-json"], MayChange, a => a.StatusJson = true, "progress as one JSON object a second on standard error, for programs"),
        Resume,
        Valued(["--resume-file"], "FILE", MayChange, (a, v) => a.ResumePath = OptionParser.WritableFile(v, "resume file"),
            $"where to save the position if interrupted (default {ResumeFile.DefaultPath})"),
        Lab,
        Flag(["--debug"], MayChange, a => a.Debug = true,
            "when the scan fails on an unexpected error, print its stack trace too (its type and message are always printed)"),
    ];

    public static string Usage { get; } = OptionParser.Usage(
        "usage: rawscan scan TARGETS -p PORTS [options]\n  (every option that takes a value also takes it as --name=value)", All);
}
