namespace RawScan.Banners;

/// <summary>
/// The one list of built-in recognisers, tried in this order; the first that knows the bytes names
/// them. To add one: a class implementing <see cref="IRecogniser"/> in Recognisers/, and a line here.
/// The order matters where greetings look alike: the binary protocols and those with a fixed first word
/// (TLS, SSH, HTTP, MySQL, PostgreSQL, redis, memcached, rsync, telnet) come before the line protocols
/// whose replies share "220" (SMTP before FTP, which takes a bare 220 greeting last).
/// </summary>
public static class Recognisers
{
    public static readonly IReadOnlyList<IRecogniser> All =
    [
        new TlsRecogniser(),
        new SshRecogniser(),
        new HttpRecogniser(),
        new MySqlRecogniser(),
        new PostgresRecogniser(),
        new RedisRecogniser(),
        new MemcachedRecogniser(),
        new RsyncRecogniser(),
        new TelnetRecogniser(),
        new SmtpRecogniser(),
        new Pop3Recogniser(),
        new ImapRecogniser(),
        new FtpRecogniser(),
    ];
}
