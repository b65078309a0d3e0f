using System.Buffers.Binary;
using RawScan.Results;

namespace RawScan.Banners;

/// <summary>
/// PostgreSQL's backend messages (Frontend/Backend Protocol, Message Formats): a type byte and an
/// Int32 length including itself. What a StartupMessage (or stray bytes) draws: an ErrorResponse
/// ('E', fields S/V severity FATAL, C SQLSTATE, M message) or an AuthenticationRequest ('R', length
/// 8 or more, a known method code). The ErrorResponse's message is the info.
/// </summary>
public sealed class PostgresRecogniser : IRecogniser
{
    public string Name => "postgresql";

    public ServiceFinding? Recognise(ReadOnlySpan<byte> banner, in BannerContext context)
    {
        var rest = banner;
        string? message = null;
        bool known = false;
        while (rest.Length >= 5)
        {
            byte type = rest[0];
            int len = BinaryPrimitives.ReadInt32BigEndian(rest[1..]);
            if (len < 4 || len > 8192) return null;
            var body = rest.Slice(5, Math.Min(len - 4, rest.Length - 5));
            if (type == 'R')
            {
                if (len < 8 || body.Length < 4) return null;
                int method = BinaryPrimitives.ReadInt32BigEndian(body);
                if (method is < 0 or > 12) return null;
                known = true;
            }
            else if (type == 'E')
            {
                string? severity = null;
                var f = body;
                while (f.Length > 1 && f[0] != 0)
                {
                    int nul = f[1..].IndexOf((byte)0);
                    if (nul < 0) break;
                    string value = GreetingText.Latin1(f.Slice(1, nul));
                    if (f[0] == 'S' || f[0] == 'V') severity ??= value;
                    else if (f[0] == 'M') message = value;
                    f = f[(nul + 2)..];
                }
                if (severity is not ("FATAL" or "ERROR" or "PANIC")) return null;
                known = true;
            }
            else if (!known) return null;
            if (rest.Length < 1 + len) break;
            rest = rest[(1 + len)..];
        }
        return known ? new ServiceFinding { Service = "postgresql", Product = "PostgreSQL DB", Info = message } : null;
    }
}
