using RawScan.Banners;
using RawScan.Results;
using Xunit;

namespace RawScan.Tests;

/// <summary>The built-in recognisers (nmap's rules left out) on banners captured from real daemons (<see cref="RealBanners"/>).</summary>
public sealed class BannerRecogniserTests
{
    private static readonly ServiceIdentifier BuiltInsOnly = new(new StubServiceRegistry());

    private static ServiceFinding Id(byte[] banner, string? hello, ushort port) =>
        BuiltInsOnly.Identify(banner, hello is null ? null : Hellos.ByName(hello), port);

    public static TheoryData<string, string?, int, string, string?, string?, string?> Real() => new()
    {
        // banner, hello, port, service, product, version, info
        { nameof(RealBanners.Ssh), null, 22, "ssh", "OpenSSH", "9.2p1", "Debian-2+deb12u10; protocol 2.0" },
        { nameof(RealBanners.HttpGetOnSsh), "http", 8080, "ssh", "OpenSSH", "9.2p1", "Debian-2+deb12u10; protocol 2.0" },
        { nameof(RealBanners.HttpNginx), "http", 80, "http", "nginx", "1.22.1", null },
        { nameof(RealBanners.HttpOnHttpsNginx), "http", 8443, "https", "nginx", "1.22.1", null },
        { nameof(RealBanners.TlsHelloOnHttpNginx), "tls", 8080, "http", "nginx", "1.22.1", null },
        { nameof(RealBanners.TlsNginx), "tls", 443, "https", null, null, "TLSv1.2" },
        { nameof(RealBanners.TlsNginx), "tls", 993, "ssl", null, null, "TLSv1.2" },
        { nameof(RealBanners.TlsAlertNginx), "tls", 443, "https", null, null, "TLS alert: internal_error" },
        { nameof(RealBanners.FtpVsftpd), null, 21, "ftp", "vsftpd", "3.0.3", null },
        { nameof(RealBanners.SmtpExim), null, 25, "smtp", "Exim smtpd", "4.96", null },
        { nameof(RealBanners.Pop3Dovecot), null, 110, "pop3", "Dovecot pop3d", null, null },
        { nameof(RealBanners.ImapDovecot), null, 143, "imap", "Dovecot imapd", null, "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN" },
        { nameof(RealBanners.RedisInfo), "redis", 6379, "redis", "Redis key-value store", "7.0.15", null },
        { nameof(RealBanners.RedisNoAuth), "redis", 6379, "redis", "Redis key-value store", null, "authentication required" },
        { nameof(RealBanners.RedisPing), "redis", 31337, "redis", "Redis key-value store", null, null },
        { nameof(RealBanners.Memcached), "memcached", 11211, "memcached", "Memcached", "1.6.18", null },
        { nameof(RealBanners.Rsync), null, 873, "rsync", null, null, "protocol version 32" },
        { nameof(RealBanners.TelnetInetutils), null, 23, "telnet", null, null, null },
        { nameof(RealBanners.MariaDb), null, 3306, "mysql", "MariaDB", "10.11.19", "0+deb12u1" },
        { nameof(RealBanners.MariaDbHostDenied), null, 3306, "mysql", "MariaDB", null, "unauthorized" },
        { nameof(RealBanners.PostgresStartup), "postgres", 5432, "postgresql", "PostgreSQL DB", null, "role \"rawscan\" does not exist" },
    };

    [Theory]
    [MemberData(nameof(Real))]
    public void RealDaemonsAreNamed(string banner, string? hello, int port, string service, string? product, string? version, string? info)
    {
        var bytes = (byte[])typeof(RealBanners).GetField(banner)!.GetValue(null)!;
        var f = Id(bytes, hello, (ushort)port);
        Assert.Equal(ServiceMethod.Probed, f.Method);
        Assert.Equal(10, f.Confidence);
        Assert.Equal(service, f.Service);
        Assert.Equal(product, f.Product);
        Assert.Equal(version, f.Version);
        Assert.Equal(info, f.Info);
        Assert.Equal(bytes, f.Banner);
        Assert.Equal(hello ?? "null", f.Hello);
        Assert.NotNull(f.Recogniser);
    }

    [Fact]
    public void TheCertificateNamesSubjectAndIssuer()
    {
        var f = Id(RealBanners.TlsNginx, "tls", 443);
        Assert.Equal("ssl", f.Tunnel);
        Assert.Equal("O=RawScan Lab, CN=realhost.lab.rawscan.test", f.TlsSubject);      // RFC 4514: the last RDN first
        Assert.Equal(f.TlsSubject, f.TlsIssuer);                                      // self-signed
    }

    [Theory]
    [InlineData("SSH-2.0-dropbear_2022.83\r\n", "ssh", "Dropbear sshd", "2022.83")]
    [InlineData("SSH-1.99-Cisco-1.25\r\n", "ssh", "Cisco", "1.25")]
    [InlineData("220 mail.example.org ESMTP Postfix (Debian/GNU)\r\n", "smtp", "Postfix smtpd", null)]
    [InlineData("220-mx.example.org ESMTP Exim 4.97 greetings\r\n220-more\r\n220 go ahead\r\n", "smtp", "Exim smtpd", "4.97")]
    [InlineData("220 host ESMTP Sendmail 8.15.2/8.15.2/Debian-22; Tue, 1 Jan 2030\r\n", "smtp", "Sendmail", "8.15.2/8.15.2/Debian-22")]
    [InlineData("220 ProFTPD 1.3.8 Server (Debian) [::ffff:10.0.0.1]\r\n", "ftp", "ProFTPD", "1.3.8")]
    [InlineData("220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n220 You are user number 1.\r\n", "ftp", "Pure-FTPd", null)]
    [InlineData("220 Welcome\r\n", "ftp", null, null)]
    [InlineData("HTTP/1.1 200 OK\r\nServer: Apache/2.4.57 (Debian)\r\n\r\n", "http", "Apache httpd", "2.4.57")]
    [InlineData("HTTP/1.0 302 Found\r\nLocation: /\r\n\r\n", "http", null, null)]
    public void GreetingFormsAreRead(string banner, string service, string? product, string? version)
    {
        var f = Id(System.Text.Encoding.Latin1.GetBytes(banner), banner.StartsWith("HTTP") ? "http" : null, 2222);
        Assert.Equal(service, f.Service);
        Assert.Equal(product, f.Product);
        Assert.Equal(version, f.Version);
    }

    [Fact]
    public void ABare220IsSmtpWhereTheRegistrySaysSmtp() =>
        Assert.Equal("smtp", Id("220 Welcome\r\n"u8.ToArray(), null, 25).Service);

    [Fact]
    public void ApachesWordsForPlainHttpOnATlsPortMeanHttps()
    {
        var f = Id("HTTP/1.1 400 Bad Request\r\nServer: Apache/2.4.57 (Debian)\r\n\r\n<p>You're speaking plain HTTP to an SSL-enabled server port.</p>"u8.ToArray(), "http", 4443);
        Assert.Equal(("https", "ssl", "Debian"), (f.Service, f.Tunnel, f.Info));
    }

    [Fact]
    public void SilenceOrNoiseIsTheRegistrysGuess()
    {
        var silent = Id([], null, 8080);
        Assert.Equal((ServiceMethod.Table, "http-proxy", 3, (string?)null), (silent.Method, silent.Service, silent.Confidence, silent.Hello));
        var noise = Id([0x01, 0x02, 0x03], null, 12345);
        Assert.Equal((ServiceMethod.Table, "netbus", "null"), (noise.Method, noise.Service, noise.Hello));
    }

    [Fact]
    public void EveryRecogniserRefusesAnotherProtocolsBanner()
    {
        byte[][] all = [RealBanners.Ssh, RealBanners.HttpNginx, RealBanners.TlsNginx, RealBanners.FtpVsftpd, RealBanners.SmtpExim, RealBanners.Pop3Dovecot,
            RealBanners.ImapDovecot, RealBanners.RedisInfo, RealBanners.Memcached, RealBanners.Rsync, RealBanners.TelnetInetutils, RealBanners.MariaDb, RealBanners.PostgresStartup];
        foreach (var banner in all)
        {
            var names = Recognisers.All.Where(r => r.Recognise(banner, new BannerContext(null, 1, null)) is not null || r.Recognise(banner, new BannerContext(Hellos.Postgres, 1, null)) is not null)
                .Select(r => r.Name).ToList();
            Assert.True(names.Count == 1, $"{System.Text.Encoding.Latin1.GetString(banner.AsSpan(0, Math.Min(20, banner.Length)))}: {string.Join(", ", names)}");
        }
    }
}
