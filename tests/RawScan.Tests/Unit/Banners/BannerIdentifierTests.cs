using RawScan.Banners;
using RawScan.Registry;
using RawScan.Results;
using Xunit;

namespace RawScan.Tests;

/// <summary>ServiceIdentifier's contract with the engine: plans per port, when an answer is whole, the cache; and the registry comparison the reports use.</summary>
public sealed class BannerIdentifierTests
{
    private static readonly StubServiceRegistry Registry = StubServiceRegistry.Renaming(new()
    {
        [(Protocol.Tcp, 6379)] = "redis", [(Protocol.Tcp, 11211)] = "memcached", [(Protocol.Tcp, 5432)] = "postgresql",
        [(Protocol.Tcp, 993)] = "imaps", [(Protocol.Tcp, 21)] = "ftp",
    });

    private static readonly ServiceIdentifier Identifier = new(Registry);

    private static string Plan(ushort port) => string.Join(",", Identifier.PlanFor(port).Steps.Select(s => s?.Name ?? "wait"));

    [Theory]
    [InlineData(22, "wait,http,tls,redis")]
    [InlineData(21, "wait,http,tls,redis")]
    [InlineData(80, "http,wait,tls,redis")]
    [InlineData(8080, "http,wait,tls,redis")]
    [InlineData(443, "tls,wait,http,redis")]
    [InlineData(993, "tls,wait,http,redis")]
    [InlineData(6379, "redis,wait,http,tls")]
    [InlineData(11211, "memcached,wait,http,tls")]
    [InlineData(5432, "postgres,wait,http,tls")]
    [InlineData(12345, "wait,http,tls,redis")]
    [InlineData(40000, "wait,http,tls,redis")]
    public void PlansFollowTheRegistry(int port, string steps) => Assert.Equal(steps, Plan((ushort)port));

    [Fact]
    public void APlanIsBuiltOncePerPortAndCostsNothingAfter()
    {
        Assert.Same(Identifier.PlanFor(80), Identifier.PlanFor(80));
        Allocation.AssertNothing(() =>
        {
            long n = 0;
            for (int i = 0; i < 10_000; i++) n += Identifier.PlanFor(80).Steps.Count;
            return n;
        });
    }

    public static TheoryData<string, string?, int> Whole() => new()
    {
        { nameof(RealBanners.Ssh), null, 0 }, { nameof(RealBanners.HttpNginx), "http", 0 }, { nameof(RealBanners.TlsNginx), "tls", 0 },
        { nameof(RealBanners.TlsAlertNginx), "tls", 0 }, { nameof(RealBanners.FtpVsftpd), null, 0 }, { nameof(RealBanners.SmtpExim), null, 0 },
        { nameof(RealBanners.ImapDovecot), null, 0 }, { nameof(RealBanners.RedisInfo), "redis", 0 }, { nameof(RealBanners.Memcached), "memcached", 0 },
        { nameof(RealBanners.MariaDb), null, 0 }, { nameof(RealBanners.MariaDbHostDenied), null, 0 }, { nameof(RealBanners.PostgresStartup), "postgres", 0 },
        { nameof(RealBanners.TelnetInetutils), null, 0 }, { nameof(RealBanners.Rsync), null, 0 },
    };

    /// <summary>Each real answer is whole as received, and was not whole a few bytes earlier (the telnet negotiation, three).</summary>
    [Theory]
    [MemberData(nameof(Whole))]
    public void RealAnswersAreWholeOnlyWhenTheyEnd(string banner, string? hello, int unused)
    {
        _ = unused;
        var bytes = (byte[])typeof(RealBanners).GetField(banner)!.GetValue(null)!;
        var h = hello is null ? null : Hellos.ByName(hello);
        Assert.True(Identifier.IsComplete(bytes, h));
        int cut = banner == nameof(RealBanners.HttpNginx) ? bytes.Length - 8 : banner == nameof(RealBanners.TlsNginx) ? 300 : bytes.Length - 2;
        Assert.False(Identifier.IsComplete(bytes.AsSpan(0, cut), h), $"{banner} whole at {cut} of {bytes.Length}");
    }

    [Fact]
    public void ContinuedReplyLinesWaitForTheLast()
    {
        Assert.False(Identifier.IsComplete("220-mx ESMTP\r\n220-more\r\n"u8, null));
        Assert.True(Identifier.IsComplete("220-mx ESMTP\r\n220-more\r\n220 go\r\n"u8, null));
        Assert.False(Identifier.IsComplete("220 half a line"u8, null));
        Assert.False(Identifier.IsComplete([], null));
    }

    [Fact]
    public void IsCompleteAllocatesNothing()
    {
        var all = new (byte[], IHello?)[] { (RealBanners.TlsNginx, Hellos.Tls), (RealBanners.HttpNginx, Hellos.Http), (RealBanners.SmtpExim, null), (RealBanners.MariaDb, null), (RealBanners.RedisInfo, Hellos.Redis) };
        Allocation.AssertNothing(() =>
        {
            long n = 0;
            for (int i = 0; i < 2_000; i++) foreach (var (b, h) in all) n += Identifier.IsComplete(b, h) ? 1 : 0;
            return n;
        });
    }

    [Fact]
    public void TheSameBannerIsIdentifiedOnceAndThenAllocatesNothing()
    {
        var id = new ServiceIdentifier(Registry);
        var first = id.Identify(RealBanners.Ssh, null, 22);
        Assert.Same(first, id.Identify(RealBanners.Ssh.ToArray(), null, 22));
        Assert.Equal((1L, 1L), (id.Identified, id.CacheHits));
        Assert.NotSame(first, id.Identify(RealBanners.Ssh, null, 8080));        // another registry name: identified again
        Allocation.AssertNothing(() =>
        {
            long n = 0;
            for (int i = 0; i < 10_000; i++) n += id.Identify(RealBanners.Ssh, null, 22).Banner.Length;
            return n;
        });
    }

    [Fact]
    public void TheCacheIsBoundedAndNeverWrong()
    {
        var id = new ServiceIdentifier(Registry);
        for (int i = 0; i < 20_000; i++)
        {
            var f = id.Identify(System.Text.Encoding.ASCII.GetBytes($"SSH-2.0-OpenSSH_{i}\r\n"), null, 22);
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), f.Version);
        }
        Assert.Equal("0", id.Identify("SSH-2.0-OpenSSH_0\r\n"u8, null, 22).Version);
    }

    [Theory]
    [InlineData("ssh", 8080, true)]
    [InlineData("http", 8080, false)]
    [InlineData("http", 80, false)]
    [InlineData("https", 443, false)]
    [InlineData("ssl", 993, false)]
    [InlineData("https", 8443, false)]
    [InlineData("http", 12345, true)]
    [InlineData("ssh", 31337, true)]
    [InlineData(null, 8080, false)]
    [InlineData("smtp", 25, false)]
    public void DifferencesFromTheRegistryLeaveFamiliesAlone(string? detected, int port, bool differs) =>
        Assert.Equal(differs, ServiceNames.DiffersFromRegistry(detected, Registry.Lookup(Protocol.Tcp, (ushort)port)));

    [Fact]
    public void FamiliesAreCaseBlind() =>
        Assert.False(ServiceNames.DiffersFromRegistry("http", new ServiceInfo(Protocol.Tcp, 8000, "HTTP-ALT", PortClass.Registered, PortFlags.None, null, 0)));
}
