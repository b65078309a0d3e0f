using RawScan.Registry;

namespace RawScan.Banners;

/// <summary>
/// nmap-services' names seen as families, for choosing a port's hello and for saying when what answered
/// is not what the registry guessed. The families are small on purpose: http on http-alt, http-proxy or
/// www is the registry's guess holding, and so is TLS (https, ssl, ssl/http) on an HTTPS or other TLS port.
/// </summary>
public static class ServiceNames
{
    private static readonly HashSet<string> Http = new(StringComparer.OrdinalIgnoreCase)
    {
        "http", "http-alt", "http-proxy", "www", "www-http", "http-mgmt", "webcache", "http-rpc-epmap", "sun-answerbook", "websm", "ipp", "upnp",
    };

    private static readonly HashSet<string> Https = new(StringComparer.OrdinalIgnoreCase)
    {
        "https", "https-alt", "ssl/http", "ssl", "ssl/https", "pcsync-https", "oracleas-https",
    };

    /// <summary>TLS from the first byte (implicit TLS, RFC 8314 and the like), besides HTTPS's own.</summary>
    private static readonly HashSet<string> Tls = new(StringComparer.OrdinalIgnoreCase)
    {
        "imaps", "pop3s", "smtps", "submissions", "ldaps", "ldapssl", "nntps", "ftps", "ircs", "telnets", "ssl/imap", "ssl/pop3", "ssl/smtp",
    };

    private static readonly HashSet<string> Smtp = new(StringComparer.OrdinalIgnoreCase) { "smtp", "submission", "smtps" };

    /// <summary>The server speaks first: wait for it before sending anything.</summary>
    private static readonly HashSet<string> ServerFirst = new(StringComparer.OrdinalIgnoreCase)
    {
        "ssh", "ftp", "smtp", "submission", "pop3", "pop2", "imap", "imap3", "mysql", "telnet", "rsync", "nntp", "ident", "auth",
        "vnc", "irc", "pop3pw", "poppassd", "daytime", "qotd", "chargen", "time", "lmtp", "sieve", "xmpp-client", "ms-sql-m",
    };

    public static bool IsHttp(string? name) => name is not null && Http.Contains(name);

    public static bool IsHttps(string? name) => name is not null && Https.Contains(name);

    public static bool IsImplicitTls(string? name) => name is not null && (Https.Contains(name) || Tls.Contains(name));

    public static bool IsSmtp(string? name) => name is not null && Smtp.Contains(name);

    public static bool IsServerFirst(string? name) => name is not null && ServerFirst.Contains(name);

    /// <summary>
    /// True when <paramref name="detected"/> (what the banner identified) is not the registry's guess for
    /// the port, families aside: "ssh" on http-proxy is a difference, "http" on http-alt is not, nor
    /// "https" or "ssl" on https or imaps. A port the registry has no name for differs from anything
    /// detected; nothing detected differs from nothing.
    /// </summary>
    /// <summary>Two spellings of one service: nmap-services' registry name and what nmap -sV (and RawScan) detect.</summary>
    private static readonly Dictionary<string, string> Spellings = new(StringComparer.OrdinalIgnoreCase)
    {
        ["memcache"] = "memcached", ["postgres"] = "postgresql", ["microsoft-ds"] = "smb",
    };

    /// <summary>The detected service's spelling of a registry name ("memcache" is "memcached").</summary>
    public static string Canonical(string name) => Spellings.TryGetValue(name, out var c) ? c : name;

    public static bool DiffersFromRegistry(string? detected, ServiceInfo registry)
    {
        if (detected is null) return false;
        string? guess = registry.Name;
        if (guess is null) return true;
        detected = Canonical(detected);
        guess = Canonical(guess);
        if (string.Equals(detected, guess, StringComparison.OrdinalIgnoreCase)) return false;
        if (Http.Contains(detected) && Http.Contains(guess)) return false;
        if (Https.Contains(detected) && IsImplicitTls(guess)) return false;
        if (Smtp.Contains(detected) && Smtp.Contains(guess)) return false;
        return true;
    }
}
