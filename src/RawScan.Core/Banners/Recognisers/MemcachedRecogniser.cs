using RawScan.Results;

namespace RawScan.Banners;

/// <summary>memcached's text protocol (protocol.txt): <c>VERSION 1.6.18</c> to <c>version</c>, or STAT lines to <c>stats</c>.</summary>
public sealed class MemcachedRecogniser : IRecogniser
{
    public string Name => "memcached";

    public ServiceFinding? Recognise(ReadOnlySpan<byte> banner, in BannerContext context)
    {
        var line = GreetingText.FirstLine(banner);
        if (line.StartsWith("VERSION "u8) && line.Length > 8 && GreetingText.IsText(line) && char.IsAsciiDigit((char)line[8]))
            return new ServiceFinding { Service = "memcached", Product = "Memcached", Version = GreetingText.Latin1(line[8..]).Trim() };
        if (line.StartsWith("STAT pid "u8))
        {
            string text = GreetingText.Latin1(banner);
            int at = text.IndexOf("STAT version ", StringComparison.Ordinal);
            string? version = null;
            if (at >= 0) { int end = text.IndexOf('\r', at); version = end > at ? text[(at + 13)..end] : null; }
            return new ServiceFinding { Service = "memcached", Product = "Memcached", Version = version };
        }
        return null;
    }
}
