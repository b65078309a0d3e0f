using RawScan.Results;

namespace RawScan.Banners;

/// <summary>POP3's greeting (RFC 1939 section 4: <c>+OK</c> and text); "Dovecot" in it is Dovecot pop3d.</summary>
public sealed class Pop3Recogniser : IRecogniser
{
    public string Name => "pop3";

    public ServiceFinding? Recognise(ReadOnlySpan<byte> banner, in BannerContext context)
    {
        if (context.Hello is not null || !banner.StartsWith("+OK"u8)) return null;
        string line = GreetingText.Latin1(GreetingText.FirstLine(banner));
        if (line.Contains("Dovecot", StringComparison.Ordinal)) return new ServiceFinding { Service = "pop3", Product = "Dovecot pop3d" };
        if (line.Contains("Cyrus", StringComparison.Ordinal)) return new ServiceFinding { Service = "pop3", Product = "Cyrus pop3d", Version = GreetingText.VersionAfter(line, " v") };
        return new ServiceFinding { Service = "pop3" };
    }
}
