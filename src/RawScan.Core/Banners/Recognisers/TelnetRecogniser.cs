using RawScan.Results;

namespace RawScan.Banners;

/// <summary>
/// Telnet (RFC 854): a server opens with option negotiation, IAC (255) then WILL, WONT, DO or DONT
/// (251-254) and an option, or IAC SB ... IAC SE (RFC 855); or a bare login prompt. Both say telnet.
/// </summary>
public sealed class TelnetRecogniser : IRecogniser
{
    public string Name => "telnet";

    public ServiceFinding? Recognise(ReadOnlySpan<byte> banner, in BannerContext context)
    {
        if (banner.Length >= 3 && banner[0] == 0xff && banner[1] is >= 250 and <= 254)
            return new ServiceFinding { Service = "telnet" };
        var text = banner.TrimEnd(" \r\n"u8);
        if (context.Hello is null && (text.EndsWith("login:"u8) || text.EndsWith("Login:"u8) || text.EndsWith("Username:"u8)))
            return new ServiceFinding { Service = "telnet" };
        return null;
    }

    /// <summary>Length of the option negotiation at the start of <paramref name="b"/> (whole IAC sequences only), 0 if none.</summary>
    internal static int NegotiationLength(ReadOnlySpan<byte> b)
    {
        int i = 0;
        while (i < b.Length && b[i] == 0xff)
        {
            if (i + 1 >= b.Length) return i;
            byte cmd = b[i + 1];
            if (cmd is >= 251 and <= 254) { if (i + 2 >= b.Length) return i; i += 3; }
            else if (cmd == 250)
            {
                int se = b[(i + 2)..].IndexOf([(byte)0xff, (byte)240]);
                if (se < 0) return i;
                i += 2 + se + 2;
            }
            else i += 2;
        }
        return i;
    }
}
