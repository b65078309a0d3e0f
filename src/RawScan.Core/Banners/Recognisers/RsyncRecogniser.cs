using RawScan.Results;

namespace RawScan.Banners;

/// <summary>
/// rsync daemon's greeting (rsyncd's protocol, rsync(1) "CONNECTING TO AN RSYNC DAEMON"):
/// <c>@RSYNCD: 31.0 [digests]</c>; the number is the protocol version (rsync 3.2 sends 31 or 32).
/// </summary>
public sealed class RsyncRecogniser : IRecogniser
{
    public string Name => "rsync";

    public ServiceFinding? Recognise(ReadOnlySpan<byte> banner, in BannerContext context)
    {
        if (!banner.StartsWith("@RSYNCD: "u8)) return null;
        string line = GreetingText.Latin1(GreetingText.FirstLine(banner)[9..]);
        int space = line.IndexOf(' ');
        string version = space < 0 ? line : line[..space];
        if (version.EndsWith(".0", StringComparison.Ordinal)) version = version[..^2];
        return new ServiceFinding { Service = "rsync", Info = "protocol version " + version };
    }
}
