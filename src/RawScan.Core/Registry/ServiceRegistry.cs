using System.Text;
using RawScan.Results;

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
/// Lookup runs once per result, so it is one array index: two 65,536-entry tables of <see cref="ServiceInfo"/>
/// (~5 MB together) precomputed here, no hashing, no allocation. The instance is immutable and shared
/// across threads.
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

    private static readonly Lazy<ServiceRegistry> s_default = new(() =>
        new ServiceRegistry(NmapServicesCandidates.FirstOrDefault(File.Exists), File.Exists(EtcServicesCandidate) ? EtcServicesCandidate : null));

    /// <summary>The system's files where present, else the project's table alone; loaded on first use.</summary>
    public static ServiceRegistry Default => s_default.Value;

    private readonly ServiceInfo[] _tcp;
    private readonly ServiceInfo[] _udp;
    private readonly ushort[] _topTcp;
    private readonly ushort[] _topUdp;

    /// <summary>What was loaded, for the report's footer: each source, its entry count, anything skipped.</summary>
    public string Sources { get; }

    /// <summary>True when nmap-services was read, so <see cref="TopPorts"/> ranks by its open-frequencies.</summary>
    public bool HasNmapFrequencies { get; }

    /// <summary>Builds a registry from the given files (null: not used) and the project's tables. A missing,
    /// unreadable or malformed system file never throws: it is skipped (or its bad lines are) and
    /// <see cref="Sources"/> says so.</summary>
    public ServiceRegistry(string? nmapServicesPath, string? etcServicesPath)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var tcp = new Builder();
        var udp = new Builder();
        var sources = new List<string>();

        if (nmapServicesPath is not null)
            HasNmapFrequencies = LoadSystemFile("nmap-services", nmapServicesPath, nmap: true, names, tcp, udp, sources);
        if (etcServicesPath is not null)
            LoadSystemFile("services", etcServicesPath, nmap: false, names, tcp, udp, sources);

        var table = ServiceFiles.Parse(ReadResource("services.txt"), nmap: false, names);
        if (table.Malformed != 0) throw new InvalidDataException($"services.txt: {table.Malformed} malformed lines");
        Apply(table.Entries, tcp, udp, frequencies: false);
        sources.Add($"built-in table ({table.Entries.Count} entries)");

        foreach (var (protocol, port, flag, note) in ServiceFiles.ParseFlags(ReadResource("flags.txt")))
        {
            var b = protocol == Protocol.Tcp ? tcp : udp;
            b.Flags[port] |= flag;
            b.Notes[port] = b.Notes[port] is null ? note : b.Notes[port] + "; " + note;
        }

        var (projectTcp, projectUdp) = ServiceFiles.ParseTopPorts(ReadResource("top-ports.txt"));
        _tcp = tcp.Build(Protocol.Tcp);
        _udp = udp.Build(Protocol.Udp);
        _topTcp = tcp.Rank(HasNmapFrequencies, projectTcp);
        _topUdp = udp.Rank(HasNmapFrequencies, projectUdp);
        Sources = string.Join(", ", sources);
    }

    /// <summary>O(1), allocation-free: one index into a precomputed table.</summary>
    public ServiceInfo Lookup(Protocol protocol, ushort port)
    {
        var table = protocol == Protocol.Tcp ? _tcp : protocol == Protocol.Udp ? _udp : ThrowUnknownProtocol<ServiceInfo>(protocol);
        return table[port];
    }

    /// <summary>
    /// The <paramref name="n"/> ports of <paramref name="protocol"/> most often found open, for --top-ports.
    /// The order: with nmap-services, every port it gives a non-zero open-frequency, most frequent first
    /// (ties: lower port first); without it, the project's list (top-ports.txt: 100 TCP, 30 UDP). When
    /// n asks for more, the list goes on with the project's list's remaining ports, then every other port
    /// some source lists, in port order, and then stops: it never invents ports, so it may return fewer than n.
    /// </summary>
    public IReadOnlyList<ushort> TopPorts(Protocol protocol, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var ranked = protocol == Protocol.Tcp ? _topTcp : protocol == Protocol.Udp ? _topUdp : ThrowUnknownProtocol<ushort>(protocol);
        return ranked.AsSpan(0, Math.Min(n, ranked.Length)).ToArray();   // a copy: callers cannot reorder ours
    }

    private static bool LoadSystemFile(string label, string path, bool nmap, Dictionary<string, string> names,
                                       Builder tcp, Builder udp, List<string> sources)
    {
        if (!ServiceFiles.TryRead(path, out string text, out string? problem))
        {
            sources.Add($"{label} {path} not loaded ({problem})");
            return false;
        }
        var file = ServiceFiles.Parse(text, nmap, names);
        Apply(file.Entries, tcp, udp, frequencies: nmap);
        string skipped = file.Malformed != 0 ? $", {file.Malformed} malformed lines skipped" : "";
        sources.Add($"{label} {path} ({file.Entries.Count} entries{skipped})");
        return true;
    }

    /// <summary>Sources arrive highest precedence first, so a port keeps the first name and frequency it is given.</summary>
    private static void Apply(List<ServiceEntry> entries, Builder tcp, Builder udp, bool frequencies)
    {
        foreach (var e in entries)
        {
            var b = e.Protocol == Protocol.Tcp ? tcp : udp;
            b.Listed[e.Port] = true;
            b.Names[e.Port] ??= e.Name;
            if (frequencies && !b.HasFrequency[e.Port])
            {
                b.Frequency[e.Port] = e.Frequency;
                b.HasFrequency[e.Port] = true;
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

    /// <summary>One protocol's port space while the sources are merged.</summary>
    private sealed class Builder
    {
        public readonly string?[] Names = new string?[65536];
        public readonly double[] Frequency = new double[65536];
        public readonly bool[] HasFrequency = new bool[65536];
        public readonly bool[] Listed = new bool[65536];
        public readonly PortFlags[] Flags = new PortFlags[65536];
        public readonly string?[] Notes = new string?[65536];

        public ServiceInfo[] Build(Protocol protocol)
        {
            var table = new ServiceInfo[65536];
            for (int port = 0; port < table.Length; port++)
                table[port] = new ServiceInfo(protocol, (ushort)port, Names[port], ServiceInfo.ClassOf((ushort)port),
                                              Flags[port], Notes[port], Frequency[port]);
            return table;
        }

        public ushort[] Rank(bool byFrequency, List<ushort> projectList)
        {
            var order = new List<ushort>();
            var taken = new bool[65536];
            if (byFrequency)
            {
                var measured = new List<ushort>();
                for (int port = 0; port < 65536; port++)
                    if (Frequency[port] > 0) measured.Add((ushort)port);
                measured.Sort((a, b) => Frequency[a] != Frequency[b] ? Frequency[b].CompareTo(Frequency[a]) : a.CompareTo(b));
                Add(measured);
            }
            Add(projectList);
            for (int port = 0; port < 65536; port++)
                if (Listed[port] && !taken[port]) { taken[port] = true; order.Add((ushort)port); }
            return [.. order];

            void Add(List<ushort> ports)
            {
                foreach (ushort p in ports)
                    if (!taken[p]) { taken[p] = true; order.Add(p); }
            }
        }
    }
}
