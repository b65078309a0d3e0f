using RawScan.Results;

namespace RawScan.Banners;

/// <summary>
/// An HTTP/1.x response (RFC 9112 section 4: <c>HTTP-version SP status-code SP reason</c>). The Server
/// header's first product token (RFC 9110 section 10.2.4) gives product and version: "nginx/1.22.1",
/// "Apache/2.4.57 (Debian)" (Apache httpd, info Debian). A 400 that says a plain HTTP request reached
/// a TLS port (nginx's and Apache's wording) means the port is https.
/// </summary>
public sealed class HttpRecogniser : IRecogniser
{
    public string Name => "http";

    public ServiceFinding? Recognise(ReadOnlySpan<byte> banner, in BannerContext context)
    {
        if (!banner.StartsWith("HTTP/1."u8) || banner.Length < 12 || banner[8] != ' ') return null;
        var lines = GreetingText.Lines(banner, 64);
        string? server = null;
        foreach (var l in lines.Skip(1))
        {
            if (l.Length == 0) break;
            if (l.StartsWith("Server:", StringComparison.OrdinalIgnoreCase)) { server = l[7..].Trim(); break; }
        }
        string? product = null, version = null, info = null;
        if (!string.IsNullOrEmpty(server))
        {
            (product, version, info) = GreetingText.ProductToken(server);
            product = product switch
            {
                "Apache" => "Apache httpd",
                "Microsoft-IIS" => "Microsoft IIS httpd",
                "lighttpd" => "lighttpd",
                "Caddy" => "Caddy httpd",
                _ => product,
            };
        }
        bool tlsPort = banner.IndexOf("plain HTTP request was sent to HTTPS port"u8) >= 0
            || banner.IndexOf("speaking plain HTTP to an SSL-enabled server"u8) >= 0;
        return new ServiceFinding
        {
            Service = tlsPort ? "https" : "http",
            Tunnel = tlsPort ? "ssl" : null,
            Product = product,
            Version = version,
            Info = info,
        };
    }
}
