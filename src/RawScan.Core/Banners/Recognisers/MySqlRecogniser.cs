using System.Buffers.Binary;
using System.Text;
using RawScan.Results;

namespace RawScan.Banners;

/// <summary>
/// MySQL's and MariaDB's first packet (MySQL client/server protocol: a 3-byte little-endian length, a
/// sequence number 0, then the payload): a HandshakeV10 (protocol byte 10, then the server version as
/// a NUL-terminated string), or an ERR packet (0xFF, a 2-byte error code, the message) such as "Host
/// ... is not allowed to connect", which still means MySQL. MariaDB prefixes its version with
/// "5.5.5-" for old replication clients: "5.5.5-10.11.19-MariaDB-0+deb12u1" is MariaDB 10.11.19.
/// </summary>
public sealed class MySqlRecogniser : IRecogniser
{
    public string Name => "mysql";

    public ServiceFinding? Recognise(ReadOnlySpan<byte> banner, in BannerContext context)
    {
        if (banner.Length < 7 || banner[3] != 0) return null;
        int len = banner[0] | (banner[1] << 8) | (banner[2] << 16);
        if (len < 3 || len > 1024) return null;
        var p = banner.Slice(4, Math.Min(len, banner.Length - 4));
        if (p[0] == 10)
        {
            int nul = p[1..].IndexOf((byte)0);
            if (nul <= 0) return null;
            var v = p.Slice(1, nul);
            if (!GreetingText.IsText(v) || !char.IsAsciiDigit((char)v[0])) return null;
            string text = Encoding.ASCII.GetString(v);
            if (text.StartsWith("5.5.5-", StringComparison.Ordinal) && text.Contains("MariaDB", StringComparison.Ordinal)) text = text[6..];
            int end = 0;
            while (end < text.Length && (char.IsAsciiDigit(text[end]) || text[end] == '.')) end++;
            string version = text[..end];
            string tail = text[end..].TrimStart('-');
            bool maria = tail.StartsWith("MariaDB", StringComparison.Ordinal);
            string? info = maria ? tail[7..].TrimStart('-') : tail;
            return new ServiceFinding
            {
                Service = "mysql",
                Product = maria ? "MariaDB" : "MySQL",
                Version = version,
                Info = string.IsNullOrEmpty(info) ? null : info,
            };
        }
        if (p[0] == 0xff && p.Length > 3)
        {
            int code = BinaryPrimitives.ReadUInt16LittleEndian(p[1..]);
            var msg = p[3..];
            if (!msg.IsEmpty && msg[0] == '#') msg = msg[Math.Min(6, msg.Length)..];
            if (code < 1000 || code > 5000 || !GreetingText.IsText(msg)) return null;
            string text = Encoding.ASCII.GetString(msg);
            string? product = text.Contains("MariaDB", StringComparison.Ordinal) ? "MariaDB" : text.Contains("MySQL", StringComparison.Ordinal) ? "MySQL" : null;
            return new ServiceFinding { Service = "mysql", Product = product, Info = code == 1130 ? "unauthorized" : text };
        }
        return null;
    }
}
