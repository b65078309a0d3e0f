using RawScan.Results;

namespace RawScan.Banners;

/// <summary>
/// SSH's identification string (RFC 4253 section 4.2): <c>SSH-protoversion-softwareversion SP comments
/// CR LF</c>, possibly after other lines. "OpenSSH_9.2p1" is product OpenSSH, version 9.2p1; the
/// comments ("Debian-2+deb12u10") are the info; a software version without "_" is the product alone.
/// </summary>
public sealed class SshRecogniser : IRecogniser
{
    public string Name => "ssh";

    public ServiceFinding? Recognise(ReadOnlySpan<byte> banner, in BannerContext context)
    {
        foreach (var line in GreetingText.Lines(banner, 8))
        {
            if (!line.StartsWith("SSH-", StringComparison.Ordinal)) continue;
            int dash = line.IndexOf('-', 4);
            if (dash < 0) return new ServiceFinding { Service = "ssh" };
            string proto = line[4..dash];
            string rest = line[(dash + 1)..];
            int space = rest.IndexOf(' ');
            string software = space < 0 ? rest : rest[..space];
            string? comments = space < 0 ? null : rest[(space + 1)..].Trim();
            int us = software.IndexOf('_');
            if (us < 0) { int d = software.IndexOf('-'); if (d > 0 && d + 1 < software.Length && char.IsAsciiDigit(software[d + 1])) us = d; }
            string product = us < 0 ? software : software[..us];
            string? version = us < 0 ? null : software[(us + 1)..];
            product = product switch
            {
                "dropbear" => "Dropbear sshd",
                _ => product,
            };
            string info = string.IsNullOrEmpty(comments) ? $"protocol {proto}" : $"{comments}; protocol {proto}";
            return new ServiceFinding { Service = "ssh", Product = product.Length == 0 ? null : product, Version = version, Info = info };
        }
        return null;
    }
}
