using RawScan.Results;

namespace RawScan.Banners;

/// <summary>
/// IMAP's greeting (RFC 9051 section 7.1: an untagged <c>* OK</c>, <c>* PREAUTH</c> or <c>* BYE</c>,
/// often with a [CAPABILITY ...] response code); "Dovecot" in it is Dovecot imapd. The capability
/// list, when there, is the info.
/// </summary>
public sealed class ImapRecogniser : IRecogniser
{
    public string Name => "imap";

    public ServiceFinding? Recognise(ReadOnlySpan<byte> banner, in BannerContext context)
    {
        if (!banner.StartsWith("* OK"u8) && !banner.StartsWith("* PREAUTH"u8) && !banner.StartsWith("* BYE"u8)) return null;
        string line = GreetingText.Latin1(GreetingText.FirstLine(banner));
        string? product = line.Contains("Dovecot", StringComparison.Ordinal) ? "Dovecot imapd"
            : line.Contains("Cyrus", StringComparison.Ordinal) ? "Cyrus imapd"
            : line.Contains("Courier-IMAP", StringComparison.Ordinal) ? "Courier Imapd" : null;
        string? info = null;
        int cap = line.IndexOf("[CAPABILITY ", StringComparison.Ordinal);
        if (cap >= 0)
        {
            int end = line.IndexOf(']', cap);
            if (end > cap) info = line[(cap + 12)..end];
        }
        return new ServiceFinding { Service = "imap", Product = product, Info = info };
    }
}
