using System.Diagnostics;
using System.Runtime.CompilerServices;
using RawScan.Registry;
using RawScan.Results;

namespace RawScan.Banners;

/// <summary>
/// Names the service behind a banner: the built-in recognisers (<see cref="Recognisers.All"/>) first,
/// then, where they named no service or no product, nmap's rules when nmap-service-probes is there.
/// Runs on the receive thread: <see cref="PlanFor"/> and <see cref="IsComplete"/> allocate nothing,
/// and <see cref="Identify"/> answers a banner it has seen (same bytes, hello and registry name) from a
/// bounded cache without allocating, so 65,536 identical SSH greetings cost one identification.
/// nmap's file is read in the background (~1 s); until it is, the built-ins alone answer.
/// </summary>
public sealed class ServiceIdentifier
{
    /// <summary>Entries of the identification cache: direct-mapped by hash, a newer banner replacing an older one in its slot.</summary>
    private const int CacheSize = 4096;

    private readonly IServiceRegistry _registry;
    private readonly Task<NmapServiceProbes?>? _loading;
    private readonly HelloPlan?[] _plans = new HelloPlan?[65536];
    private readonly CacheEntry?[] _cache = new CacheEntry?[CacheSize];

    private sealed record CacheEntry(ulong Hash, IHello? Hello, string? RegistryName, ServiceFinding Finding);

    public ServiceIdentifier(IServiceRegistry registry, string? nmapServiceProbesPath = null)
    {
        _registry = registry;
        if (nmapServiceProbesPath is not null)
            _loading = Task.Run(() => LoadQuietly(nmapServiceProbesPath));
    }

    /// <summary>An identifier with nmap's rules from <see cref="NmapServiceProbes.DefaultPath"/> when nmap is installed.</summary>
    public static ServiceIdentifier Create(IServiceRegistry registry) =>
        new(registry, File.Exists(NmapServiceProbes.DefaultPath) ? NmapServiceProbes.DefaultPath : null);

    /// <summary>nmap's rules if they are loaded by now (never waits), else null.</summary>
    public NmapServiceProbes? NmapRules => _loading is { IsCompletedSuccessfully: true } t ? t.Result : null;

    /// <summary>Waits for nmap's rules (tests, benchmarks, and a caller that prefers to wait); null when there are none.</summary>
    public NmapServiceProbes? WaitForNmapRules() => _loading?.GetAwaiter().GetResult();

    /// <summary>Why nmap's file could not be read (one line), or null.</summary>
    public string? NmapRulesError { get; private set; }

    /// <summary>Identifications made (cache misses) and answered from the cache.</summary>
    public long Identified { get; private set; }
    public long CacheHits { get; private set; }

    private NmapServiceProbes? LoadQuietly(string path)
    {
        try { return NmapServiceProbes.Load(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            NmapRulesError = $"{path}: {e.Message}";
            return null;
        }
    }

    /// <summary>
    /// The steps for a TCP port: a server-first service (ssh, ftp, smtp, pop3, imap, mysql, telnet,
    /// rsync...) waits first; a client-first one (HTTP, TLS, redis, memcached, PostgreSQL) opens with
    /// its hello; then the fallbacks: waiting, HTTP, TLS; four steps at most. Built once per port.
    /// </summary>
    public HelloPlan PlanFor(ushort port) => _plans[port] ??= BuildPlan(port);

    private HelloPlan BuildPlan(ushort port)
    {
        string? name = _registry.Lookup(Protocol.Tcp, port).Name;
        var steps = new List<IHello?>(4);
        IHello? first = name is null ? null
            : ServiceNames.IsHttp(name) ? Hellos.Http
            : ServiceNames.IsImplicitTls(name) ? Hellos.Tls
            : name == "redis" ? Hellos.Redis
            : name is "memcached" or "memcache" ? Hellos.Memcached
            : name is "postgresql" or "postgres" ? Hellos.Postgres
            : null;
        if (first is not null) steps.Add(first);
        steps.Add(null);
        if (!steps.Contains(Hellos.Http)) steps.Add(Hellos.Http);
        if (!steps.Contains(Hellos.Tls)) steps.Add(Hellos.Tls);
        if (steps.Count < 4) steps.Add(Hellos.Redis);
        return new HelloPlan(steps.Take(4).ToArray());
    }

    /// <summary>
    /// Whether <paramref name="received"/> is a whole answer, so the connection may close now: a line
    /// protocol's first complete reply (SMTP's and FTP's "220-" lines wait for "220 "), HTTP's headers,
    /// TLS up to the Certificate or ServerHelloDone (or an Alert), a whole MySQL packet, redis's whole
    /// INFO bulk string, PostgreSQL's ErrorResponse, telnet's option negotiation. Otherwise the engine
    /// waits for more or for its idle gap. Allocation-free.
    /// </summary>
    /// <summary>
    /// The hello that can add what a finding lacks, on a connection of its own, or null. A TLS answer
    /// names the protocol and the certificate but not the server behind it; a plain HTTP request to the
    /// same port often does (nginx's "plain HTTP request was sent to HTTPS port", with its Server header).
    /// </summary>
    public IHello? FollowUp(ServiceFinding found) =>
        found.Tunnel == "ssl" && found.Product is null && found.Hello == Hellos.Tls.Name ? Hellos.Http : null;

    /// <summary>What a follow-up (<see cref="FollowUp"/>) added to the first finding: the product and version it names, the first's certificate.</summary>
    public static ServiceFinding Combine(ServiceFinding first, ServiceFinding followUp)
    {
        if (followUp.Method != ServiceMethod.Probed || followUp.Product is null) return first;
        string? service = followUp.Service is "http" or "https" && first.Service is "ssl" or "https" ? "https" : first.Service;
        return first with
        {
            Service = service,
            Product = followUp.Product,
            Version = followUp.Version,
            Info = followUp.Info ?? first.Info,
            Banner = followUp.Banner,
            Hello = followUp.Hello,
            Recogniser = $"{first.Recogniser}+{followUp.Recogniser}",
        };
    }

    public bool IsComplete(ReadOnlySpan<byte> received, IHello? hello)
    {
        if (received.IsEmpty) return false;
        byte b0 = received[0];
        if (hello is TlsHello && b0 is 21 or 22) return TlsComplete(received);
        if (hello is PostgresHello && b0 is (byte)'E' or (byte)'R') return PostgresComplete(received);
        if (b0 == (byte)'H' && received.StartsWith("HTTP/"u8)) return received.IndexOf("\r\n\r\n"u8) >= 0 || received.IndexOf("\n\n"u8) >= 0;
        if (b0 == (byte)'$' && hello is RedisHello) return BulkComplete(received);
        if (b0 == 0xff) return TelnetComplete(received);
        if (received.Length >= 5 && received[3] == 0 && received[4] is 10 or 0xff) return MySqlComplete(received);
        return LineComplete(received);
    }

    private static bool TlsComplete(ReadOnlySpan<byte> r)
    {
        // Records, then the handshake messages inside them (a message may span records: then only
        // what is whole counts; ServerHelloDone or a whole Certificate ends it).
        int hsLeft = 0;
        while (r.Length >= 5)
        {
            int len = (r[3] << 8) | r[4];
            if (r[0] == 21) return r.Length >= 5 + len;
            if (r[0] != 22) return true;
            if (r.Length < 5 + len) return false;
            var m = r.Slice(5, len);
            if (hsLeft >= m.Length) { hsLeft -= m.Length; r = r[(5 + len)..]; continue; }
            m = m[hsLeft..];
            hsLeft = 0;
            while (m.Length >= 4)
            {
                int ml = (m[1] << 16) | (m[2] << 8) | m[3];
                if (m[0] == 14) return true;                                  // ServerHelloDone
                if (m.Length < 4 + ml) { if (m[0] == 11) hsLeft = 4 + ml - m.Length; else hsLeft = 4 + ml - m.Length; break; }
                if (m[0] == 11) return true;                                  // a whole Certificate
                m = m[(4 + ml)..];
            }
            r = r[(5 + len)..];
        }
        return false;
    }

    private static bool PostgresComplete(ReadOnlySpan<byte> r)
    {
        while (r.Length >= 5)
        {
            int len = (r[1] << 24) | (r[2] << 16) | (r[3] << 8) | r[4];
            if (len < 4 || r.Length < 1 + len) return false;
            if (r[0] is (byte)'E' or (byte)'Z') return true;
            if (r[0] == 'R' && len >= 8 && (r[5] | r[6] | r[7] | r[8]) != 0) return true;   // an authentication request: the server waits
            r = r[(1 + len)..];
        }
        return false;
    }

    private static bool BulkComplete(ReadOnlySpan<byte> r)
    {
        int crlf = r.IndexOf("\r\n"u8);
        if (crlf < 0) return false;
        int len = 0;
        foreach (byte c in r[1..crlf]) { if (c is < (byte)'0' or > (byte)'9') return true; len = len * 10 + c - '0'; if (len > 1 << 20) return true; }
        return r.Length >= crlf + 2 + len + 2;
    }

    private static bool TelnetComplete(ReadOnlySpan<byte> r)
    {
        int n = TelnetRecogniser.NegotiationLength(r);
        return n == r.Length || (n > 0 && r[n..].IndexOf((byte)'\n') >= 0);
    }

    private static bool MySqlComplete(ReadOnlySpan<byte> r)
    {
        int len = r[0] | (r[1] << 8) | (r[2] << 16);
        return r.Length >= 4 + len;
    }

    private static bool LineComplete(ReadOnlySpan<byte> r)
    {
        // A reply of coded lines ("220-..." continued until "220 ...") ends at its last line; any
        // other text at its first line break.
        while (true)
        {
            int nl = r.IndexOf((byte)'\n');
            if (nl < 0) return false;
            bool continued = nl >= 4 && IsDigit(r[0]) && IsDigit(r[1]) && IsDigit(r[2]) && r[3] == '-';
            if (!continued) return true;
            r = r[(nl + 1)..];
        }
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    /// <summary>
    /// What <paramref name="banner"/> (what <paramref name="hello"/> drew; null: the server spoke
    /// first) says runs on <paramref name="port"/>. Probed with the recogniser's name when something
    /// knew the bytes, else Table with the registry's name. A banner seen before with the same hello
    /// and registry name gets the same finding back, allocating nothing.
    /// </summary>
    public ServiceFinding Identify(ReadOnlySpan<byte> banner, IHello? hello, ushort port)
    {
        string? registryName = _registry.Lookup(Protocol.Tcp, port).Name;
        ulong hash = Hash(banner, hello, registryName);
        ref var slot = ref _cache[(int)(hash & (CacheSize - 1))];
        var hit = slot;
        if (hit is not null && hit.Hash == hash && ReferenceEquals(hit.Hello, hello) && ReferenceEquals(hit.RegistryName, registryName)
            && banner.SequenceEqual(hit.Finding.Banner))
        {
            CacheHits++;
            return hit.Finding;
        }
        var finding = IdentifyUncached(banner, hello, port, registryName);
        slot = new CacheEntry(hash, hello, registryName, finding);
        Identified++;
        return finding;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ServiceFinding IdentifyUncached(ReadOnlySpan<byte> banner, IHello? hello, ushort port, string? registryName)
    {
        byte[] bytes = banner.ToArray();
        string? helloName = hello?.Name ?? (banner.IsEmpty ? null : "null");
        var table = new ServiceFinding { Service = registryName, Method = ServiceMethod.Table, Banner = bytes, Hello = helloName };
        if (banner.IsEmpty) return table;

        var context = new BannerContext(hello, port, registryName);
        ServiceFinding? found = null;
        foreach (var r in Recognisers.All)
        {
            ServiceFinding? f;
            try { f = r.Recognise(banner, context); }
            catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or FormatException) { f = null; }
            if (f is not null) { found = f with { Recogniser = r.Name }; break; }
        }
        if (found is null || found.Product is null || found.Version is null)
        {
            var rules = NmapRules;
            var m = rules?.Match(banner, hello?.NmapProbe);
            if (m is not null) found = Merge(found, m, context);
        }
        return found is null ? table : found with { Method = ServiceMethod.Probed, Banner = bytes, Hello = helloName };
    }

    /// <summary>nmap's answer over the built-in one where it says more: its service when the built-ins had none (or only a softmatch-worthy guess), its product and version when they had none.</summary>
    private static ServiceFinding? Merge(ServiceFinding? builtIn, NmapMatch m, in BannerContext context)
    {
        string service = m.Service;
        string? tunnel = null;
        if (service.StartsWith("ssl/", StringComparison.Ordinal)) { service = service[4..]; tunnel = "ssl"; if (service == "http") service = "https"; }
        if (builtIn is not null)
        {
            if (m.Soft || (builtIn.Product is not null && m.Product is null)) return builtIn;
            // nmap's rule for a TLS answer names "ssl" and a TLS version: the built-in already knows the
            // port's service behind TLS (https on a web port) and the certificate; keep those.
            if (builtIn.Tunnel == "ssl" && service == "ssl") return builtIn with { Info = builtIn.Info ?? m.Product ?? m.Info };
            if (builtIn.Product is not null && !string.Equals(builtIn.Service, service, StringComparison.Ordinal) && m.Version is null) return builtIn;
            return builtIn with
            {
                Service = builtIn.Service == "ssl" || builtIn.Product is null ? service : builtIn.Service,
                Product = m.Product ?? builtIn.Product,
                Version = m.Version ?? builtIn.Version,
                Info = m.Info ?? builtIn.Info,
                Tunnel = builtIn.Tunnel ?? tunnel,
                Recogniser = "nmap-service-probes",
            };
        }
        return new ServiceFinding { Service = service, Product = m.Product, Version = m.Version, Info = m.Info, Tunnel = tunnel, Recogniser = "nmap-service-probes" };
    }

    /// <summary>A 64-bit hash of the bytes (8 at a time, a multiply-rotate mix) with the hello and the registry name.</summary>
    private static ulong Hash(ReadOnlySpan<byte> b, IHello? hello, string? registryName)
    {
        const ulong K = 0x9E3779B97F4A7C15;
        ulong h = (ulong)b.Length * K ^ (ulong)Hellos.IndexOf(hello) ^ (ulong)(uint)RuntimeHelpers.GetHashCode(registryName ?? "") << 32;
        var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(b);
        foreach (ulong w in words) h = System.Numerics.BitOperations.RotateLeft((h ^ w) * K, 29);
        ulong tail = 0;
        for (int i = words.Length * 8; i < b.Length; i++) tail = tail << 8 | b[i];
        h = System.Numerics.BitOperations.RotateLeft((h ^ tail) * K, 29);
        return h ^ h >> 32;
    }
}
