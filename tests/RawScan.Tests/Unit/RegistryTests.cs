using RawScan.Registry;
using RawScan.Results;
using Xunit;

namespace RawScan.Tests;

/// <summary>ServiceRegistry: classes, names from each source and their precedence, flags, top ports, cost of a lookup.</summary>
public sealed class RegistryTests : IDisposable
{
    private const string EtcServices = "/etc/services";
    private static readonly string? NmapServices = ServiceRegistry.NmapServicesCandidates.FirstOrDefault(File.Exists);

    private static readonly ServiceRegistry TableOnly = new(null, null);

    private readonly string _dir = Directory.CreateTempSubdirectory("rawscan-registry-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Fixture(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>The table alone, then each system file alone, then both: whatever this machine has.</summary>
    public static TheoryData<string> Sources()
    {
        var data = new TheoryData<string> { "table" };
        if (File.Exists(EtcServices)) data.Add("etc");
        if (NmapServices is not null) { data.Add("nmap"); data.Add("default"); }
        return data;
    }

    private static ServiceRegistry Build(string source) => source switch
    {
        "table" => TableOnly,
        "etc" => new ServiceRegistry(null, EtcServices),
        "nmap" => new ServiceRegistry(NmapServices, null),
        _ => ServiceRegistry.Default,
    };

    [Theory]
    [InlineData(0, PortClass.WellKnown)]
    [InlineData(1023, PortClass.WellKnown)]
    [InlineData(1024, PortClass.Registered)]
    [InlineData(49151, PortClass.Registered)]
    [InlineData(49152, PortClass.Dynamic)]
    [InlineData(65535, PortClass.Dynamic)]
    public void ClassifiesTheRangeBoundariesForBothProtocols(int port, PortClass expected)
    {
        foreach (var registry in new[] { TableOnly, ServiceRegistry.Default })
            foreach (var protocol in new[] { Protocol.Tcp, Protocol.Udp })
            {
                var info = registry.Lookup(protocol, (ushort)port);
                Assert.Equal(expected, info.Class);
                Assert.Equal(protocol, info.Protocol);
                Assert.Equal((ushort)port, info.Port);
            }
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void NamesTheSeedServices(string source)
    {
        var r = Build(source);
        Assert.Equal("ftp", r.Lookup(Protocol.Tcp, 21).Name);
        Assert.Equal("ssh", r.Lookup(Protocol.Tcp, 22).Name);
        Assert.Equal("telnet", r.Lookup(Protocol.Tcp, 23).Name);
        Assert.Equal("smtp", r.Lookup(Protocol.Tcp, 25).Name);
        Assert.Contains(r.Lookup(Protocol.Tcp, 53).Name, new[] { "domain", "dns" });   // "domain" in /etc/services and nmap-services
        Assert.Contains(r.Lookup(Protocol.Udp, 53).Name, new[] { "domain", "dns" });
        Assert.Equal("http", r.Lookup(Protocol.Tcp, 80).Name);
        Assert.Equal("pop3", r.Lookup(Protocol.Tcp, 110).Name);
        Assert.Equal("ntp", r.Lookup(Protocol.Udp, 123).Name);
        Assert.Equal("netbios-ns", r.Lookup(Protocol.Udp, 137).Name);
        Assert.Equal("snmp", r.Lookup(Protocol.Udp, 161).Name);
        Assert.Equal("https", r.Lookup(Protocol.Tcp, 443).Name);
        Assert.Equal("microsoft-ds", r.Lookup(Protocol.Tcp, 445).Name);
        Assert.Equal("mysql", r.Lookup(Protocol.Tcp, 3306).Name);
        Assert.Equal("postgresql", r.Lookup(Protocol.Tcp, 5432).Name);
        Assert.Equal("sip", r.Lookup(Protocol.Udp, 5060).Name);
        // Names the sources disagree on (imap/imap2, sunrpc/rpcbind, mdns/zeroconf, ssdp/upnp, rdp/ms-wbt-server...): named, whatever the name.
        foreach (var (p, port) in new[] { (Protocol.Tcp, 111), (Protocol.Tcp, 143), (Protocol.Tcp, 3389), (Protocol.Udp, 1900),
                                          (Protocol.Udp, 5353), (Protocol.Tcp, 8080), (Protocol.Tcp, 11211) })
            Assert.False(string.IsNullOrEmpty(r.Lookup(p, (ushort)port).Name), $"{p}/{port} has no name from {source}");
    }

    [Fact]
    public void TheTableUsesIanaNames()
    {
        Assert.Equal("domain", TableOnly.Lookup(Protocol.Udp, 53).Name);
        Assert.Equal("sunrpc", TableOnly.Lookup(Protocol.Tcp, 111).Name);
        Assert.Equal("imap", TableOnly.Lookup(Protocol.Tcp, 143).Name);
        Assert.Equal("ms-wbt-server", TableOnly.Lookup(Protocol.Tcp, 3389).Name);
        Assert.Equal("mdns", TableOnly.Lookup(Protocol.Udp, 5353).Name);
        Assert.Equal("ssdp", TableOnly.Lookup(Protocol.Udp, 1900).Name);
        Assert.Equal("http-alt", TableOnly.Lookup(Protocol.Tcp, 8080).Name);
        Assert.Equal("memcache", TableOnly.Lookup(Protocol.Udp, 11211).Name);
        Assert.Null(TableOnly.Lookup(Protocol.Tcp, 40000).Name);
        Assert.Equal(0, TableOnly.Lookup(Protocol.Tcp, 80).Frequency);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void FlagsBackdoorsAndAlternatesWhateverTheNames(string source)
    {
        var r = Build(source);
        foreach (var (p, port) in new[] { (Protocol.Tcp, 12345), (Protocol.Tcp, 12346), (Protocol.Udp, 31337), (Protocol.Tcp, 31337),
                                          (Protocol.Tcp, 54320), (Protocol.Udp, 54321), (Protocol.Tcp, 27374), (Protocol.Tcp, 4444) })
        {
            var info = r.Lookup(p, (ushort)port);
            Assert.True(info.Flags.HasFlag(PortFlags.Backdoor), $"{p}/{port}");
            Assert.False(string.IsNullOrEmpty(info.Note));
        }
        Assert.Contains("NetBus", r.Lookup(Protocol.Tcp, 12345).Note);
        Assert.Contains("Back Orifice", r.Lookup(Protocol.Udp, 31337).Note);

        foreach (int port in new[] { 81, 591, 8000, 8008, 8080, 8081, 8443, 8888, 1100, 2525, 2222 })
        {
            var info = r.Lookup(Protocol.Tcp, (ushort)port);
            Assert.Equal(PortFlags.AlternateService, info.Flags);
            Assert.False(string.IsNullOrEmpty(info.Note));
        }
        Assert.Equal("HTTP alternate", r.Lookup(Protocol.Tcp, 8080).Note);

        // Left out on purpose: standard ports, legitimate services malware also used, and the other protocol's space.
        foreach (var (p, port) in new[] { (Protocol.Tcp, 80), (Protocol.Tcp, 88), (Protocol.Tcp, 587), (Protocol.Tcp, 6667),
                                          (Protocol.Tcp, 1080), (Protocol.Udp, 5353), (Protocol.Udp, 12345), (Protocol.Udp, 8080) })
        {
            Assert.Equal(PortFlags.None, r.Lookup(p, (ushort)port).Flags);
            Assert.Null(r.Lookup(p, (ushort)port).Note);
        }
    }

    [Fact]
    public void TcpAndUdpAreSeparateSpaces()
    {
        Assert.Null(TableOnly.Lookup(Protocol.Tcp, 161).Name);          // the table knows SNMP over UDP only
        Assert.Equal("snmp", TableOnly.Lookup(Protocol.Udp, 161).Name);
        Assert.Equal("shell", TableOnly.Lookup(Protocol.Tcp, 514).Name);
        Assert.Equal("syslog", TableOnly.Lookup(Protocol.Udp, 514).Name);
        Assert.Null(TableOnly.Lookup(Protocol.Udp, 22).Name);
        Assert.NotEqual(TableOnly.Lookup(Protocol.Tcp, 53), TableOnly.Lookup(Protocol.Udp, 53));   // same name, two entries
        Assert.Equal(Protocol.Udp, TableOnly.Lookup(Protocol.Udp, 53).Protocol);

        string nmap = Fixture("nmap-services", "snmp\t161/udp\t0.4\nsmux-or-snmp\t161/tcp\t0.001\n");
        var r = new ServiceRegistry(nmap, null);
        Assert.Equal("snmp", r.Lookup(Protocol.Udp, 161).Name);
        Assert.Equal("smux-or-snmp", r.Lookup(Protocol.Tcp, 161).Name);
        Assert.Equal(0.4, r.Lookup(Protocol.Udp, 161).Frequency);
        Assert.Equal(0.001, r.Lookup(Protocol.Tcp, 161).Frequency);
    }

    [Fact]
    public void NmapServicesTakesPrecedenceOverEtcServicesOverTheTable()
    {
        string nmap = Fixture("nmap-services", """
            # comment line
            http-nmap	80/tcp	0.48	# nmap's name wins
            unknown	81/tcp	0.01	# "unknown" is no name: /etc/services names it
            unknown	9999/tcp	0.002
            """);
        string etc = Fixture("services", """
            www-etc		80/tcp		http www	# loses to nmap
            etc-81		81/tcp
            ftp-etc		21/tcp				# wins over the table
            first		7000/tcp
            second		7000/tcp			# the first line of a file wins
            """);
        var r = new ServiceRegistry(nmap, etc);
        Assert.Equal("http-nmap", r.Lookup(Protocol.Tcp, 80).Name);
        Assert.Equal(0.48, r.Lookup(Protocol.Tcp, 80).Frequency);
        Assert.Equal("etc-81", r.Lookup(Protocol.Tcp, 81).Name);
        Assert.Equal(0.01, r.Lookup(Protocol.Tcp, 81).Frequency);
        Assert.Equal(PortFlags.AlternateService, r.Lookup(Protocol.Tcp, 81).Flags);   // flags come from the project's table whatever names it
        Assert.Equal("ftp-etc", r.Lookup(Protocol.Tcp, 21).Name);
        Assert.Equal("first", r.Lookup(Protocol.Tcp, 7000).Name);
        Assert.Null(r.Lookup(Protocol.Tcp, 9999).Name);
        Assert.Equal(0.002, r.Lookup(Protocol.Tcp, 9999).Frequency);
        Assert.Equal("telnet", r.Lookup(Protocol.Tcp, 23).Name);                   // neither file: the table
        Assert.Equal(0, r.Lookup(Protocol.Tcp, 23).Frequency);
        Assert.True(r.HasNmapFrequencies);
        Assert.Contains("nmap-services " + nmap + " (3 entries)", r.Sources);
        Assert.Contains("services " + etc + " (5 entries)", r.Sources);
        Assert.Contains("built-in table", r.Sources);
    }

    [Fact]
    public void MalformedLinesAreSkippedAndCounted()
    {
        string nmap = Fixture("nmap-services", string.Join('\n',
            "good\t100/tcp\t0.5",
            "nofreq\t101/tcp",                   // nmap lines need a frequency
            "badfreq\t102/tcp\tlots",
            "negfreq\t103/tcp\t-0.1",
            "nanfreq\t104/tcp\tNaN",
            "big\t65536/tcp\t0.1",               // out of range
            "neg\t-1/tcp\t0.1",
            "noslash\t105\t0.1",
            "noproto\t106/\t0.1",
            "\t/tcp\t0.1",
            "justname",
            "sctp-is-fine\t107/sctp\t0.3",       // another protocol: not ours, not malformed
            "good2\t108/udp\t0.25   # trailing comment",
            "  \t  ",
            "\u00e9t\u00e9\t109/tcp\t0.1",       // not ASCII
            "good3 110/tcp 1e-3\r"));            // spaces, an exponent, CRLF
        string etc = Fixture("services", string.Join('\n',
            "echo 7/tcp",
            "broken 7x/tcp",
            "noport",
            "alias-line 8/udp a b c d e # fine",
            "\0\0\0"));
        var r = new ServiceRegistry(nmap, etc);
        Assert.Equal("good", r.Lookup(Protocol.Tcp, 100).Name);
        Assert.Equal("good2", r.Lookup(Protocol.Udp, 108).Name);
        Assert.Equal("good3", r.Lookup(Protocol.Tcp, 110).Name);
        Assert.Equal(0.001, r.Lookup(Protocol.Tcp, 110).Frequency);
        Assert.Equal("alias-line", r.Lookup(Protocol.Udp, 8).Name);
        foreach (int port in new[] { 101, 102, 103, 104, 105, 106, 107, 109 })
        {
            Assert.Null(r.Lookup(Protocol.Tcp, (ushort)port).Name);
            Assert.Equal(0, r.Lookup(Protocol.Tcp, (ushort)port).Frequency);
        }
        Assert.Contains("(3 entries, 11 malformed lines skipped)", r.Sources);
        Assert.Contains("(2 entries, 3 malformed lines skipped)", r.Sources);
    }

    [Fact]
    public void BadSystemFilesNeverThrow()
    {
        var rng = new Random(7);
        var garbage = new byte[200_000];
        rng.NextBytes(garbage);
        string binary = Path.Combine(_dir, "binary");
        File.WriteAllBytes(binary, garbage);
        string missing = Path.Combine(_dir, "missing");

        foreach (var (nmap, etc) in new[] { (binary, binary), (missing, missing), (_dir, _dir), ("", ""), ("/dev/null", "/dev/null") })
        {
            var r = new ServiceRegistry(nmap, etc);
            Assert.Equal("ftp", r.Lookup(Protocol.Tcp, 21).Name);     // the table still answers
            Assert.Contains("built-in table", r.Sources);
        }
        var gone = new ServiceRegistry(missing, missing);
        Assert.False(gone.HasNmapFrequencies);
        Assert.Contains("not loaded (not found)", gone.Sources);
        Assert.Equal(TableOnly.TopPorts(Protocol.Tcp, 100), gone.TopPorts(Protocol.Tcp, 100));

        // Random lines of plausible tokens: whatever they parse to, parsing finishes.
        var tokens = new[] { "a", "80/tcp", "1/udp", "0.5", "#", "/", "x/y", "65535/udp", "1e308", "-", "\t", " ", "\n", "\r\n", "99999/tcp", "0/tcp" };
        var text = new System.Text.StringBuilder();
        for (int i = 0; i < 50_000; i++) text.Append(tokens[rng.Next(tokens.Length)]).Append(rng.Next(3) == 0 ? "" : " ");
        string mixed = Fixture("mixed", text.ToString());
        _ = new ServiceRegistry(mixed, mixed);
    }

    [Fact]
    public void TopPortsFollowNmapFrequenciesWithTiesByPort()
    {
        string nmap = Fixture("nmap-services", """
            a	443/tcp	0.2
            b	80/tcp	0.5
            c	22/tcp	0.2
            d	8080/tcp	0.3
            e	21/tcp	0.2
            z	7000/tcp	0.000000
            u	53/udp	0.4
            v	161/udp	0.6
            """);
        var r = new ServiceRegistry(nmap, null);
        Assert.Equal(new ushort[] { 80, 8080, 21, 22, 443 }, r.TopPorts(Protocol.Tcp, 5));
        Assert.Equal(new ushort[] { 80, 8080, 21 }, r.TopPorts(Protocol.Tcp, 3));
        Assert.Equal(new ushort[] { 161, 53 }, r.TopPorts(Protocol.Udp, 2));
        Assert.Empty(r.TopPorts(Protocol.Tcp, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => r.TopPorts(Protocol.Tcp, -1));

        // Past the measured ports: the project's list's other ports in its order (23, 3389... after the measured
        // 80, 443, 21, 22), then every other listed port in port order, then the end.
        var all = r.TopPorts(Protocol.Tcp, 70_000);
        Assert.Equal(new ushort[] { 80, 8080, 21, 22, 443, 23, 25, 3389, 110, 445, 139 }, all.Take(11));
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.True(all.ToList().IndexOf(7000) >= 100);                    // listed with frequency 0: after both lists
        Assert.Equal(all.Skip(100).Order(), all.Skip(100));             // 5 measured + the list's 95 others, then port order
        Assert.True(all.Count < 70_000);
    }

    [Fact]
    public void TopPortsWithoutNmapServicesFollowTheProjectList()
    {
        var tcp = TableOnly.TopPorts(Protocol.Tcp, 100);
        Assert.Equal(100, tcp.Count);
        Assert.Equal(new ushort[] { 80, 23, 443, 21, 22, 25, 3389, 110, 445, 139, 143, 53, 135, 3306, 8080 }, tcp.Take(15));
        Assert.Equal(100, tcp.Distinct().Count());
        var udp = TableOnly.TopPorts(Protocol.Udp, 30);
        Assert.Equal(30, udp.Count);
        Assert.Equal(new ushort[] { 631, 161, 137, 123, 138, 1434, 445, 135, 67, 53 }, udp.Take(10));
        Assert.False(TableOnly.HasNmapFrequencies);

        // More than the list: the table's other named ports in port order, then the end.
        var more = TableOnly.TopPorts(Protocol.Udp, 1000);
        Assert.True(more.Count is > 30 and < 1000);
        Assert.Equal(udp, more.Take(30));
        Assert.Equal(more.Skip(30).Order(), more.Skip(30));
        Assert.All(more.Skip(30), p => Assert.NotNull(TableOnly.Lookup(Protocol.Udp, p).Name));

        // /etc/services adds names, not frequencies: the order is still the project's.
        if (File.Exists(EtcServices))
            Assert.Equal(tcp, new ServiceRegistry(null, EtcServices).TopPorts(Protocol.Tcp, 100));
    }

    [Fact]
    public void TopPortsFromRealNmapServicesStartWithTheWellKnownLeaders()
    {
        if (NmapServices is null) return;   // nmap not installed: the fixtures above cover the logic
        var r = new ServiceRegistry(NmapServices, null);
        Assert.Equal((ushort)80, r.TopPorts(Protocol.Tcp, 1)[0]);
        Assert.Equal(1000, r.TopPorts(Protocol.Tcp, 1000).Count);
        Assert.Contains((ushort)161, r.TopPorts(Protocol.Udp, 5));
        Assert.Contains("nmap-services", r.Sources);
        Assert.DoesNotContain("malformed", r.Sources);
    }

    [Fact]
    public void LookupAllocatesNothing()
    {
        var r = ServiceRegistry.Default;
        IServiceRegistry viaInterface = r;
        long sink = 0;
        for (int i = 0; i < 1000; i++) sink += r.Lookup(Protocol.Tcp, (ushort)i).Port + viaInterface.Lookup(Protocol.Udp, (ushort)i).Port;

        Allocation.AssertNothing(() =>
        {
            long sum = 0;
            for (int i = 0; i < 100_000; i++)
            {
                var info = viaInterface.Lookup((i & 1) == 0 ? Protocol.Tcp : Protocol.Udp, (ushort)(i * 7919));
                sum += info.Port + (int)info.Flags + (info.Name?.Length ?? 0);
            }
            return sum;
        });
        Assert.NotEqual(0, sink);
    }

    [Fact]
    public void DefaultSaysWhatItLoaded()
    {
        string sources = ServiceRegistry.Default.Sources;
        Assert.Contains("built-in table", sources);
        Assert.Equal(File.Exists(EtcServices), sources.Contains(EtcServices));
        Assert.Equal(NmapServices is not null, ServiceRegistry.Default.HasNmapFrequencies);
        Assert.Same(ServiceRegistry.Default, ServiceRegistry.Default);
    }
}
