using RawScan.Results;

namespace RawScan.Banners;

/// <summary>
/// FTP's greeting (RFC 959 section 4.2: <c>220 text</c>, continued lines as <c>220-</c>): vsFTPd
/// ("220 (vsFTPd 3.0.3)", and its "500 OOPS: vsftpd:" refusals), ProFTPD, Pure-FTPd, FileZilla, or FTP
/// in the text. A bare 220 greeting that SMTP's recogniser did not take is FTP, unless the registry
/// says the port is SMTP's.
/// </summary>
public sealed class FtpRecogniser : IRecogniser
{
    public string Name => "ftp";

    private static readonly (string Marker, string Product)[] Products =
    [
        ("vsFTPd", "vsftpd"), ("vsftpd", "vsftpd"), ("ProFTPD", "ProFTPD"), ("Pure-FTPd", "Pure-FTPd"),
        ("FileZilla Server", "FileZilla ftpd"), ("Microsoft FTP Service", "Microsoft ftpd"),
    ];

    public ServiceFinding? Recognise(ReadOnlySpan<byte> banner, in BannerContext context)
    {
        if (context.Hello is not null || !GreetingText.TryReply(banner, out int code, out var texts)) return null;
        string all = string.Join(" ", texts);
        if (code == 500 && all.StartsWith("OOPS: vsftpd", StringComparison.Ordinal))
            return new ServiceFinding { Service = "ftp", Product = "vsftpd", Info = all[6..] };
        if (code is not (220 or 421)) return null;
        foreach (var (marker, product) in Products)
            if (all.Contains(marker, StringComparison.Ordinal))
                return new ServiceFinding { Service = "ftp", Product = product, Version = GreetingText.VersionAfter(all, marker) };
        if (all.Contains("FTP", StringComparison.OrdinalIgnoreCase)) return new ServiceFinding { Service = "ftp" };
        if (all.Contains("SMTP", StringComparison.OrdinalIgnoreCase)) return null;
        return code == 220 ? new ServiceFinding { Service = ServiceNames.IsSmtp(context.RegistryName) ? "smtp" : "ftp" } : null;
    }
}
