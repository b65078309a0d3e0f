using RawScan.Results;

namespace RawScan.Banners;

/// <summary>
/// SMTP's greeting (RFC 5321 section 4.2: <c>220 domain text</c>, continued lines as <c>220-</c>),
/// known by ESMTP/SMTP in its text or a mail server's name: Exim ("ESMTP Exim 4.96"), Postfix,
/// OpenSMTPD, Sendmail ("Sendmail 8.15.2/8.15.2"), Microsoft ESMTP. A 554 refusal that says ESMTP counts too.
/// </summary>
public sealed class SmtpRecogniser : IRecogniser
{
    public string Name => "smtp";

    private static readonly (string Marker, string Product)[] Products =
    [
        ("Exim", "Exim smtpd"), ("Postfix", "Postfix smtpd"), ("OpenSMTPD", "OpenSMTPD"), ("Sendmail", "Sendmail"),
        ("Microsoft ESMTP MAIL Service", "Microsoft ESMTP"), ("qmail", "qmail smtpd"), ("Haraka", "Haraka smtpd"),
    ];

    public ServiceFinding? Recognise(ReadOnlySpan<byte> banner, in BannerContext context)
    {
        if (!GreetingText.TryReply(banner, out int code, out var texts) || code is not (220 or 554 or 421)) return null;
        string all = string.Join(" ", texts);
        bool smtpWords = all.Contains("SMTP", StringComparison.OrdinalIgnoreCase);
        foreach (var (marker, product) in Products)
        {
            if (!all.Contains(marker, StringComparison.Ordinal)) continue;
            if (marker == "Sendmail" && !smtpWords && all.Contains("FTP", StringComparison.Ordinal)) continue;
            return new ServiceFinding { Service = "smtp", Product = product, Version = GreetingText.VersionAfter(all, marker) };
        }
        return smtpWords && !all.Contains("FTP", StringComparison.Ordinal) ? new ServiceFinding { Service = "smtp" } : null;
    }
}
