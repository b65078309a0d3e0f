using System.Text;
using RawScan.Registry;
using RawScan.Results;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// A scan's registry, built for its ports only (<see cref="ServiceRegistry.ForPorts"/>): the same answers
/// as the full registry, for a fraction of the memory, and the files read in pieces.
/// </summary>
public sealed class RegistryForPortsTests : IDisposable
{
    private static readonly string? NmapServices = ServiceRegistry.NmapServicesCandidates.FirstOrDefault(File.Exists);
    private static readonly string? EtcServices = File.Exists("/etc/services") ? "/etc/services" : null;

    private readonly string _dir = Directory.CreateTempSubdirectory("rawscan-registry-ports-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ScanPorts Ports(string text) => ScanPorts.Parse(text, ScanTypes.Tcp);

    public static TheoryData<string> PortLists() =>
        ["80", "T:22,80,443,U:53,161", "T:12345,31337,8080,U:31337,54321", "1-1024", "T:65535,0,U:0,65535", "T:1-65535,U:1-65535"];

    [Theory]
    [MemberData(nameof(PortLists))]
    public void AnswersEveryPortOfTheScanAsTheFullRegistryDoes(string ports)
    {
        var full = new ServiceRegistry(NmapServices, EtcServices);
        var scan = new ServiceRegistry(NmapServices, EtcServices, Ports(ports));
        foreach (var (protocol, set) in new[] { (Protocol.Tcp, Ports(ports).Tcp), (Protocol.Udp, Ports(ports).Udp) })
            foreach (var (first, last) in set.Ranges)
                for (int port = first; port <= last; port++)
                {
                    Assert.True(scan.Holds(protocol, (ushort)port), $"{protocol}/{port} is the scan's");
                    Assert.Equal(full.Lookup(protocol, (ushort)port), scan.Lookup(protocol, (ushort)port));
                }
        // What it loaded reads the same: each file's entry count is the file's, not the scan's.
        Assert.Equal(full.Sources, scan.Sources);
        Assert.Equal(full.HasNmapFrequencies, scan.HasNmapFrequencies);
    }

    [Fact]
    public void KeepsOnlyThePagesOfTheScansPorts()
    {
        var scan = new ServiceRegistry(NmapServices, EtcServices, Ports("T:80,U:53"));
        Assert.True(scan.Holds(Protocol.Tcp, 80));
        Assert.True(scan.Holds(Protocol.Tcp, 255));                 // the page of 0-255
        Assert.False(scan.Holds(Protocol.Tcp, 256));
        Assert.False(scan.Holds(Protocol.Tcp, 31337));
        Assert.True(scan.Holds(Protocol.Udp, 53));
        Assert.False(scan.Holds(Protocol.Udp, 1900));
        var full = new ServiceRegistry(NmapServices, EtcServices);
        Assert.True(full.Holds(Protocol.Tcp, 31337) && full.Holds(Protocol.Udp, 65535));
    }

    /// <summary>A port the registry was not built for (no scan asks one): the full registry's answer, not a guess.</summary>
    [Fact]
    public void APortOutsideTheScanIsAnsweredByTheFullRegistry()
    {
        var full = new ServiceRegistry(NmapServices, EtcServices);
        var scan = new ServiceRegistry(NmapServices, EtcServices, Ports("80"));
        foreach (var (protocol, port) in new[] { (Protocol.Tcp, 31337), (Protocol.Tcp, 8080), (Protocol.Udp, 161), (Protocol.Udp, 80), (Protocol.Tcp, 443) })
        {
            Assert.False(scan.Holds(protocol, (ushort)port));
            var expected = full.Lookup(protocol, (ushort)port);
            Assert.Equal(expected, scan.Lookup(protocol, (ushort)port));
            Assert.Equal(expected, scan.Lookup(protocol, (ushort)port));      // and again, from the one full load
        }
        Assert.Equal(PortFlags.Backdoor, scan.Lookup(Protocol.Tcp, 31337).Flags);
        // --top-ports needs every port's frequency: a scan's registry ranks as the full one does.
        Assert.Equal(full.TopPorts(Protocol.Tcp, 100), scan.TopPorts(Protocol.Tcp, 100));
        Assert.Equal(full.TopPorts(Protocol.Udp, 30), scan.TopPorts(Protocol.Udp, 30));
    }

    [Fact]
    public void LookupOfTheScansPortsAllocatesNothing()
    {
        IServiceRegistry r = new ServiceRegistry(NmapServices, EtcServices, Ports("T:1-1000,U:53"));
        long sink = r.Lookup(Protocol.Tcp, 1).Port + r.Lookup(Protocol.Udp, 53).Port;
        Allocation.AssertNothing(() =>
        {
            long sum = 0;
            for (int i = 0; i < 100_000; i++)
            {
                var info = (i & 1) == 0 ? r.Lookup(Protocol.Tcp, (ushort)(1 + i % 1000)) : r.Lookup(Protocol.Udp, 53);
                sum += info.Port + (int)info.Flags + (info.Name?.Length ?? 0);
            }
            return sum;
        });
        Assert.NotEqual(0, sink);
    }

    /// <summary>
    /// A 30,000-line nmap-services (each line its own name, as ~12,000 of nmap's are): a registry for one
    /// port reads it without the file as a string (2.4 MB here) or a string per line (some 1.3 MB).
    /// </summary>
    [Fact]
    public void ARegistryForOnePortAllocatesNoStringForTheLinesItSkips()
    {
        var text = new StringBuilder("# a large nmap-services\n");
        for (int i = 0; i < 30_000; i++) text.Append($"svc-{i:D6}-name\t{i % 65_536}/{(i < 20_000 ? "tcp" : "udp")}\t0.{i:D6}\t# comment {i}\n");
        string nmap = Path.Combine(_dir, "nmap-services");
        File.WriteAllText(nmap, text.ToString());
        Assert.True(new FileInfo(nmap).Length > 1_000_000);

        _ = new ServiceRegistry(nmap, null, Ports("80"));             // warm: the embedded tables, the code
        long before = GC.GetAllocatedBytesForCurrentThread();
        var one = new ServiceRegistry(nmap, null, Ports("80"));
        long forOne = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        var full = new ServiceRegistry(nmap, null);
        long forAll = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal("svc-000080-name", one.Lookup(Protocol.Tcp, 80).Name);
        Assert.Equal(full.Lookup(Protocol.Tcp, 80), one.Lookup(Protocol.Tcp, 80));
        Assert.Contains("(30000 entries)", one.Sources);
        Assert.True(forOne < 512 << 10, $"a registry for port 80 allocated {forOne:N0} bytes (the full one {forAll:N0})");
        Assert.True(forAll > 4 << 20, $"the full registry allocated only {forAll:N0} bytes: is the measure right?");
    }

    /// <summary>The file is read in 16 KiB pieces: lines, CRLF pairs and UTF-8 sequences cut by a piece's end read as if whole.</summary>
    [Fact]
    public void ReadingInPiecesParsesAsTheWholeText()
    {
        var rng = new Random(16);
        var text = new StringBuilder();
        string[] breaks = ["\n", "\r\n", "\r", "\f", "\u2028"];
        for (int i = 0; text.Length < 200_000; i++)
        {
            text.Append(rng.Next(5) switch
            {
                0 => $"n{i}\t{rng.Next(65_536)}/tcp\t0.{rng.Next(1000):D3}",
                1 => $"\u00e9t\u00e9{i}\t{rng.Next(65_536)}/udp\t0.5",          // two-byte UTF-8: malformed, wherever a piece ends
                2 => $"u{i} {rng.Next(65_536)}/udp 1e-3 # \u20ac comment",
                3 => $"bad{i} {rng.Next(70_000)}x/tcp",
                _ => $"s{i}\t{rng.Next(65_536)}/sctp\t0.1",
            });
            text.Append(breaks[rng.Next(breaks.Length)]);
            if (i == 500) text.Append(new string('x', 70_000)).Append(" 80/tcp 0.5\n");  // a line past MaxLineChars: malformed either way
        }
        string path = Path.Combine(_dir, "pieces");
        File.WriteAllText(path, text.ToString(), new UTF8Encoding(false));

        var whole = ServiceFiles.Parse(Encoding.UTF8.GetString(File.ReadAllBytes(path)), nmap: true, new(StringComparer.Ordinal));
        Assert.True(ServiceFiles.TryParse(path, nmap: true, new(StringComparer.Ordinal), null, out var pieces, out string? problem), problem);
        Assert.Equal(whole.Count, pieces.Count);
        Assert.Equal(whole.Malformed, pieces.Malformed);
        Assert.Equal(whole.Entries, pieces.Entries);
        Assert.True(whole.Count > 1000 && whole.Malformed > 1000, $"{whole.Count} entries, {whole.Malformed} malformed");
    }

    [Fact]
    public void AFileOverTheCapIsNotLoaded()
    {
        string big = Path.Combine(_dir, "big");
        using (var f = File.Create(big)) f.SetLength(ServiceFiles.MaxFileBytes + 1L);        // sparse: no disk used
        foreach (string path in new[] { big, "/dev/zero" })
        {
            var r = new ServiceRegistry(path, null, Ports("80"));
            Assert.Contains($"nmap-services {path} not loaded (larger than 32 MiB)", r.Sources);
            Assert.False(r.HasNmapFrequencies);
            Assert.Equal("http", r.Lookup(Protocol.Tcp, 80).Name);                           // the table still answers
        }
    }
}
