using System.Buffers.Binary;
using System.Text;
using RawScan.Banners;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>Every hello's bytes, read back by a decoder written here from the RFCs (not RawScan's writers).</summary>
public sealed class BannerHelloTests
{
    private static byte[] Bytes(IHello h, UInt128 address, ushort port)
    {
        var b = new byte[Hellos.MaxLength];
        int n = h.Write(b, address, port);
        Assert.InRange(n, 1, h.MaxLength);
        return b[..n];
    }

    private static readonly UInt128 V4 = Ip.V4(0xC0000201);                       // 192.0.2.1
    private static readonly UInt128 V6 = Ipv6.Parse("2001:db8::1");

    [Fact]
    public void TheListHasOneOfEachNameAndFitsOneSegment()
    {
        Assert.Equal(Hellos.All.Count, Hellos.All.Select(h => h.Name).Distinct().Count());
        Assert.All(Hellos.All, h => Assert.InRange(h.MaxLength, 1, Hellos.MaxLength));
        Assert.All(Hellos.All, h => Assert.Same(h, Hellos.ByName(h.Name)));
        Assert.Null(Hellos.ByName("null"));
        var longest = Bytes(Hellos.Http, Ipv6.Parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"), 65535);
        Assert.Equal(Hellos.Http.MaxLength, longest.Length);
    }

    [Theory]
    [InlineData("v4", 80, "192.0.2.1")]
    [InlineData("v4", 8080, "192.0.2.1:8080")]
    [InlineData("v6", 80, "[2001:db8::1]")]
    [InlineData("v6", 8000, "[2001:db8::1]:8000")]
    public void HttpIsAWellFormedGetWithHost(string family, int port, string host)
    {
        string text = Encoding.ASCII.GetString(Bytes(Hellos.Http, family == "v4" ? V4 : V6, (ushort)port));
        Assert.EndsWith("\r\n\r\n", text);
        var lines = text[..^4].Split("\r\n");
        Assert.Equal("GET / HTTP/1.1", lines[0]);
        var headers = lines.Skip(1).Select(l => l.Split(": ", 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(host, headers["Host"]);
        Assert.Equal("close", headers["Connection"]);
        Assert.Equal("*/*", headers["Accept"]);
        Assert.Contains("rawscan", headers["User-Agent"]);
        Assert.All(lines, l => Assert.DoesNotContain('\n', l));
        Assert.Equal("GetRequest", Hellos.Http.NmapProbe);
    }

    [Fact]
    public void TlsIsOneTls12ClientHelloWithConsistentLengths()
    {
        var b = Bytes(Hellos.Tls, V4, 443);
        Assert.Equal(b, Bytes(Hellos.Tls, V6, 8443));                                  // the same for every target: no SNI
        Assert.Equal(22, b[0]);                                                       // handshake record
        Assert.Equal(0x0301, BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(1)));
        Assert.Equal(b.Length - 5, BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(3)));
        var h = b.AsSpan(5);
        Assert.Equal(1, h[0]);                                                        // client_hello
        Assert.Equal(h.Length - 4, (h[1] << 16) | (h[2] << 8) | h[3]);
        var body = h[4..];
        Assert.Equal(0x0303, BinaryPrimitives.ReadUInt16BigEndian(body));             // TLS 1.2
        int i = 2 + 32;
        Assert.Equal(0, body[i++]);                                                   // no session id
        int suitesLength = BinaryPrimitives.ReadUInt16BigEndian(body[i..]);
        var suites = new List<ushort>();
        for (int k = 0; k < suitesLength; k += 2) suites.Add(BinaryPrimitives.ReadUInt16BigEndian(body[(i + 2 + k)..]));
        i += 2 + suitesLength;
        Assert.Contains((ushort)0xc02f, suites);                                      // ECDHE-RSA-AES128-GCM-SHA256
        Assert.Contains((ushort)0xc02b, suites);                                      // ECDHE-ECDSA-AES128-GCM-SHA256
        Assert.Contains((ushort)0x002f, suites);                                      // RSA AES128-CBC
        Assert.DoesNotContain((ushort)0x1301, suites);                                // no TLS 1.3 suite
        Assert.Equal(1, body[i]); Assert.Equal(0, body[i + 1]);                       // compression null
        i += 2;
        int extLength = BinaryPrimitives.ReadUInt16BigEndian(body[i..]);
        i += 2;
        Assert.Equal(body.Length, i + extLength);
        var ext = new Dictionary<int, byte[]>();
        while (i < body.Length)
        {
            int type = BinaryPrimitives.ReadUInt16BigEndian(body[i..]), len = BinaryPrimitives.ReadUInt16BigEndian(body[(i + 2)..]);
            ext.Add(type, body.Slice(i + 4, len).ToArray());
            i += 4 + len;
        }
        Assert.Equal(body.Length, i);
        Assert.False(ext.ContainsKey(43));                                            // no supported_versions: TLS 1.2 alone
        Assert.False(ext.ContainsKey(0));                                             // no SNI for an address
        Assert.Equal(ext[10].Length - 2, BinaryPrimitives.ReadUInt16BigEndian(ext[10]));
        Assert.Contains((ushort)0x0017, Pairs(ext[10][2..]));                          // secp256r1
        Assert.Equal([1, 0], ext[11]);
        Assert.Equal(ext[13].Length - 2, BinaryPrimitives.ReadUInt16BigEndian(ext[13]));
        Assert.Contains((ushort)0x0401, Pairs(ext[13][2..]));                          // rsa_pkcs1_sha256
        Assert.Equal("TLSSessionReq", Hellos.Tls.NmapProbe);
    }

    private static List<ushort> Pairs(byte[] b) => [.. Enumerable.Range(0, b.Length / 2).Select(k => BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(2 * k)))];

    [Fact]
    public void RedisIsARespArrayOfInfoServer() =>
        Assert.Equal("*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n", Encoding.ASCII.GetString(Bytes(Hellos.Redis, V4, 6379)));

    [Fact]
    public void MemcachedAsksTheVersion() => Assert.Equal("version\r\n", Encoding.ASCII.GetString(Bytes(Hellos.Memcached, V4, 11211)));

    [Fact]
    public void PostgresIsAProtocol3StartupMessage()
    {
        var b = Bytes(Hellos.Postgres, V4, 5432);
        Assert.Equal(b.Length, BinaryPrimitives.ReadInt32BigEndian(b));
        Assert.Equal(196608, BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(4)));       // 3.0
        var pairs = Encoding.ASCII.GetString(b, 8, b.Length - 8).Split('\0');
        Assert.Equal(["", ""], pairs[^2..]);                                          // the list ends with an empty name
        Assert.Equal("rawscan", pairs[Array.IndexOf(pairs, "user") + 1]);
    }
}
