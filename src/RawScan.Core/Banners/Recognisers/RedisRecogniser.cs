using RawScan.Results;

namespace RawScan.Banners;

/// <summary>
/// Redis's RESP answers: to INFO a bulk string (<c>$len CR LF</c>) whose <c>redis_version:</c> line is
/// the version; a simple string or an error (<c>+PONG</c>, <c>-NOAUTH</c>, <c>-DENIED</c>, <c>-ERR</c>)
/// to our redis hello, which nothing else answers that way.
/// </summary>
public sealed class RedisRecogniser : IRecogniser
{
    public string Name => "redis";

    public ServiceFinding? Recognise(ReadOnlySpan<byte> banner, in BannerContext context)
    {
        int at = banner.IndexOf("redis_version:"u8);
        if (banner.Length > 0 && banner[0] == '$' && at > 0)
        {
            var v = banner[(at + 14)..];
            int end = v.IndexOfAny((byte)'\r', (byte)'\n');
            if (end < 0) end = v.Length;
            string? version = end > 0 && GreetingText.IsText(v[..end]) ? GreetingText.Latin1(v[..end]) : null;
            return new ServiceFinding { Service = "redis", Product = "Redis key-value store", Version = version };
        }
        if (context.Hello is RedisHello && banner.Length > 3 && banner[0] is (byte)'+' or (byte)'-' && banner.IndexOf("\r\n"u8) > 0)
        {
            var line = GreetingText.FirstLine(banner);
            bool redisWords = line.StartsWith("+PONG"u8) || line.StartsWith("-NOAUTH"u8) || line.StartsWith("-DENIED"u8) || line.StartsWith("-ERR"u8) || line.StartsWith("-WRONGPASS"u8);
            if (redisWords)
                return new ServiceFinding { Service = "redis", Product = "Redis key-value store", Info = line.StartsWith("-NOAUTH"u8) ? "authentication required" : null };
        }
        return null;
    }
}
