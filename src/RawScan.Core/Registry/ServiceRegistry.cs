using System.Text;
using RawScan.Results;
using RawScan.Targets;

namespace RawScan.Registry;

/// <summary>
/// Names, classes, flags and open-frequencies of every TCP and UDP port, built once from up to three
/// sources, highest precedence first:
/// <list type="number">
/// <item>nmap-services (when nmap is installed): its names are what nmap users see for the same port,
/// and it alone has open-frequencies. Its "unknown" is taken as no name, so the next source may name the port.</item>
/// <item>/etc/services (Debian's netbase): IANA's names as the system knows them.</item>
/// <item>The project's table (embedded services.txt): the seed services and top ports, so a machine with
/// neither file still names them.</item>
/// </list>
/// A port takes its name from the first source that names it; within a file the first line wins, as with
/// getservbyport(3). DNS is "domain" in all three. Flags and their notes come from the project's
/// flags.txt only. TCP and UDP are separate spaces: tcp/53 and udp/53 are two entries.
/// </summary>
/// <remarks>
/// Lookup runs once per result, so it is two array indexes: per protocol, 256 pages of 256 precomputed
/// <see cref="ServiceInfo"/> entries (8 KiB a page), no hashing, no allocation. A scan's registry
/// (<see cref="ForPorts"/>) builds only the pages holding the scan's ports: a scan of port 80 keeps
/// one page, 8 KiB, not the 4 MiB of every port, and reads the files without a string for any line
/// it skips. The full registry (<see cref="Default"/>: every page, and the ranking for --top-ports) is
/// what rawscan merge and the report readers use. A port outside the pages built is still answered
/// right: the full registry is loaded then, once (a scan's results are its own ports', so a scan never
/// asks). The instance is immutable once built and shared across threads.
/// </remarks>
public sealed class ServiceRegistry : IServiceRegistry
{
    /// <summary>Where nmap installs nmap-services: Debian's package, a source build, the Windows installer.</summary>
    public static IReadOnlyList<string> NmapServicesCandidates { get; } = OperatingSystem.IsWindows()
        ? [Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ProgramFilesX86), "Nmap", "nmap-services")]
        : ["/usr/share/nmap/nmap-services", "/usr/local/share/nmap/nmap-services"];

    /// <summary>The system's services file (netbase on Debian; drivers\etc\services on Windows).</summary>
    public static string EtcServicesCandidate { get; } = OperatingSystem.IsWindows()
        ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.System), "drivers", "etc", "services")
        : "/etc/services";

    private static string? NmapServicesPath => NmapServicesCandidates.FirstOrDefault(File.Exists);
    private static string? EtcServicesPath => File.Exists(EtcServicesCandidate) ? EtcServicesCandidate : null;

    private static readonly Lazy<ServiceRegistry> s_default = new(() => new ServiceRegistry(NmapServicesPath, EtcServicesPath));

    /// <summary>The system's files where present, else the project's table alone, for every port; loaded on first use.</summary>
    public static ServiceRegistry Default => s_default.Value;

    /// <summary>
    /// The same sources as <see cref="Default"/>, built for <paramref name="ports"/> only (a scan's):
    /// <see cref="Default"/> itself when it is already loaded (--top-ports ranked the ports with it).
    /// </summary>
    public static ServiceRegistry ForPorts(ScanPorts ports) =>
        s_default.IsValueCreated ? s_default.Value : new ServiceRegistry(NmapServicesPath, EtcServicesPath, ports);

    private const int PageBits = 8, PageSize = 1 << PageBits, Pages = 65536 / PageSize;

    private readonly ServiceInfo[]?[] _tcp;
    private readonly ServiceInfo[]?[] _udp;
    private readonly ushort[]? _topTcp;        // null when built for some ports: the ranking is the full registry's
    private readonly ushort[]? _topUdp;
    private readonly Lazy<ServiceRegistry>? _full;

    /// <summary>What was loaded, for the report's footer: each source, its entry count, anything skipped.</summary>
    public string Sources { get; }

    /// <summary>True when nmap-services was read, so <see cref="TopPorts"/> ranks by its open-frequencies.</summary>
    public bool HasNmapFrequencies { get; }

    /// <summary>Builds a registry of every port from the given files (null: not used) and the project's tables.
    /// A missing, unreadable or malformed system file never throws: it is skipped (or its bad lines are) and
    /// <see cref="Sources"/> says so.</summary>
    public ServiceRegistry(string? nmapServicesPath, string? etcServicesPath) : this(nmapServicesPath, etcServicesPath, null) { }

    /// <summary>As above, built only for the pages of 256 ports that hold <paramref name="ports"/> (null: every port).
    /// Within them every entry is the full registry's; outside them a lookup loads the full registry.</summary>
    public ServiceRegistry(string? nmapServicesPath, string? etcServicesPath, ScanPorts? ports)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var tcp = new Builder(ports?.Tcp);
        var udp = new Builder(ports?.Udp);
        Func<Protocol, ushort, bool>? wanted = ports is null ? null : (p, port) => (p == Protocol.Tcp ? tcp : udp).Wants(port);
        var sources = new List<string>();

        if (nmapServicesPath is not null)
            HasNmapFrequencies = LoadSystemFile("nmap-services", nmapServicesPath, nmap: true, names, wanted, tcp, udp, sources);
        if (etcServicesPath is not null)
            LoadSystemFile("services", etcServicesPath, nmap: false, names, wanted, tcp, udp, sources);

        var table = ServiceFiles.Parse(ReadResource("services.txt"), nmap: false, names, wanted);
        if (table.Malformed != 0) throw new InvalidDataException($"services.txt: {table.Malformed} malformed lines");
        Apply(table.Entries, tcp, udp, frequencies: false);
        sources.Add($"built-in table ({table.Count} entries)");

        foreach (var (protocol, port, flag, note) in ServiceFiles.ParseFlags(ReadResource("flags.txt")))
        {
            var b = protocol == Protocol.Tcp ? tcp : udp;
            if (!b.Wants(port)) continue;
            ref var d = ref b.Draft(port);
            d.Flags |= flag;
            d.Note = d.Note is null ? note : d.Note + "; " + note;
        }

        _tcp = tcp.Build(Protocol.Tcp);
        _udp = udp.Build(Protocol.Udp);
        if (ports is null)
        {
            var (projectTcp, projectUdp) = ServiceFiles.ParseTopPorts(ReadResource("top-ports.txt"));
            _topTcp = tcp.Rank(HasNmapFrequencies, projectTcp);
            _topUdp = udp.Rank(HasNmapFrequencies, projectUdp);
        }
        else _full = new(() => new ServiceRegistry(nmapServicesPath, etcServicesPath));
        Sources = string.Join(", ", sources);
    }

    /// <summary>O(1), allocation-free for the ports built: two indexes into precomputed pages.</summary>
    public ServiceInfo Lookup(Protocol protocol, ushort port)
    {
        var pages = protocol == Protocol.Tcp ? _tcp : protocol == Protocol.Udp ? _udp : ThrowUnknownProtocol<ServiceInfo[]?>(protocol);
        return pages[port >> PageBits] is { } page ? page[port & (PageSize - 1)] : Outside(protocol, port);
    }

    /// <summary>A port this registry was not built for: the full registry's answer (loaded once, on the first such question).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private ServiceInfo Outside(Protocol protocol, ushort port) => _full!.Value.Lookup(protocol, port);

    /// <summary>Whether <paramref name="port"/> is answered from this registry's own pages (every port for a full registry).</summary>
    public bool Holds(Protocol protocol, ushort port) => (protocol == Protocol.Tcp ? _tcp : _udp)[port >> PageBits] is not null;

    /// <summary>
    /// The <paramref name="n"/> ports of <paramref name="protocol"/> most often found open, for --top-ports.
    /// The order: with nmap-services, every port it gives a non-zero open-frequency, most frequent first
    /// (ties: lower port first); without it, the project's list (top-ports.txt: 100 TCP, 30 UDP). When
    /// n asks for more, the list goes on with the project's list's remaining ports, then every other port
    /// some source lists, in port order, and then stops: it never invents ports, so it may return fewer than n.
    /// A registry built for some ports answers from the full registry (the ranking needs every port).
    /// </summary>
    public IReadOnlyList<ushort> TopPorts(Protocol protocol, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (_full is not null) return _full.Value.TopPorts(protocol, n);
        var ranked = protocol == Protocol.Tcp ? _topTcp! : protocol == Protocol.Udp ? _topUdp! : ThrowUnknownProtocol<ushort>(protocol);
        return ranked.AsSpan(0, Math.Min(n, ranked.Length)).ToArray();   // a copy: callers cannot reorder ours
    }

    private static bool LoadSystemFile(string label, string path, bool nmap, Dictionary<string, string> names,
                                       Func<Protocol, ushort, bool>? wanted, Builder tcp, Builder udp, List<string> sources)
    {
        if (!ServiceFiles.TryParse(path, nmap, names, wanted, out var file, out string? problem))
        {
            sources.Add($"{label} {path} not loaded ({problem})");
            return false;
        }
        Apply(file.Entries, tcp, udp, frequencies: nmap);
        string skipped = file.Malformed != 0 ? $", {file.Malformed} malformed lines skipped" : "";
        sources.Add($"{label} {path} ({file.Count} entries{skipped})");
        return true;
    }

    /// <summary>Sources arrive highest precedence first, so a port keeps the first name and frequency it is given.</summary>
    private static void Apply(List<ServiceEntry> entries, Builder tcp, Builder udp, bool frequencies)
    {
        foreach (var e in entries)
        {
            var b = e.Protocol == Protocol.Tcp ? tcp : udp;
            if (!b.Wants(e.Port)) continue;
            ref var d = ref b.Draft(e.Port);
            d.Listed = true;
            d.Name ??= e.Name;
            if (frequencies && !d.HasFrequency)
            {
                d.Frequency = e.Frequency;
                d.HasFrequency = true;
            }
        }
    }

    private static string ReadResource(string file)
    {
        var assembly = typeof(ServiceRegistry).Assembly;
        using var stream = assembly.GetManifestResourceStream("RawScan.Registry." + file)
            ?? throw new InvalidOperationException($"embedded resource RawScan.Registry.{file} is missing from {assembly.GetName().Name}");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static T[] ThrowUnknownProtocol<T>(Protocol protocol) =>
        throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "not TCP or UDP");

    /// <summary>What the sources say of one port while they are merged.</summary>
    private struct PortDraft
    {
        public string? Name, Note;
        public double Frequency;
        public bool HasFrequency, Listed;
        public PortFlags Flags;
    }

    /// <summary>One protocol's port space while the sources are merged: the pages asked for (every one when no ports are given).</summary>
    private sealed class Builder
    {
        private readonly PortDraft[]?[] _pages = new PortDraft[]?[Pages];

        public Builder(PortSet? ports)
        {
            if (ports is null)
                for (int i = 0; i < Pages; i++) _pages[i] = new PortDraft[PageSize];
            else
                foreach (var (first, last) in ports.Ranges)
                    for (int page = first >> PageBits; page <= last >> PageBits; page++) _pages[page] ??= new PortDraft[PageSize];
        }

        public bool Wants(ushort port) => _pages[port >> PageBits] is not null;

        public ref PortDraft Draft(ushort port) => ref _pages[port >> PageBits]![port & (PageSize - 1)];

        public ServiceInfo[]?[] Build(Protocol protocol)
        {
            var table = new ServiceInfo[]?[Pages];
            for (int page = 0; page < Pages; page++)
            {
                if (_pages[page] is not { } drafts) continue;
                var built = new ServiceInfo[PageSize];
                for (int i = 0; i < PageSize; i++)
                {
                    ushort port = (ushort)((page << PageBits) + i);
                    ref var d = ref drafts[i];
                    built[i] = new ServiceInfo(protocol, port, d.Name, ServiceInfo.ClassOf(port), d.Flags, d.Note, d.Frequency);
                }
                table[page] = built;
            }
            return table;
        }

        /// <summary>The --top-ports order; only for a builder of every port.</summary>
        public ushort[] Rank(bool byFrequency, List<ushort> projectList)
        {
            var order = new List<ushort>();
            var taken = new bool[65536];
            if (byFrequency)
            {
                var measured = new List<ushort>();
                for (int port = 0; port < 65536; port++)
                    if (Draft((ushort)port).Frequency > 0) measured.Add((ushort)port);
                measured.Sort((a, b) => Draft(a).Frequency != Draft(b).Frequency ? Draft(b).Frequency.CompareTo(Draft(a).Frequency) : a.CompareTo(b));
                Add(measured);
            }
            Add(projectList);
            for (int port = 0; port < 65536; port++)
                if (Draft((ushort)port).Listed && !taken[port]) { taken[port] = true; order.Add((ushort)port); }
            return [.. order];

            void Add(List<ushort> ports)
            {
                foreach (ushort p in ports)
                    if (!taken[p]) { taken[p] = true; order.Add(p); }
            }
        }
    }
}
