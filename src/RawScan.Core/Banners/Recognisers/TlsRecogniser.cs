using System.Buffers.Binary;
using System.Security.Cryptography.X509Certificates;
using RawScan.Results;

namespace RawScan.Banners;

/// <summary>
/// TLS records (RFC 5246 section 6.2.1; RFC 8446 section 5.1): a handshake whose first message is a
/// ServerHello (its version in Info), then, in TLS 1.2, the Certificate (section 7.4.2) whose first
/// certificate's subject and issuer are read with X509Certificate2; or an Alert (section 7.2), which
/// still says TLS speaks here. Service "https" where the port is an HTTP or HTTPS one, else "ssl".
/// </summary>
public sealed class TlsRecogniser : IRecogniser
{
    public string Name => "tls";

    public ServiceFinding? Recognise(ReadOnlySpan<byte> banner, in BannerContext context)
    {
        if (banner.Length < 7 || banner[1] != 3 || banner[2] > 4) return null;
        string service = context.HttpLike ? "https" : "ssl";
        if (banner[0] == 21)
        {
            if (BinaryPrimitives.ReadUInt16BigEndian(banner[3..]) != 2 || banner[5] is not (1 or 2)) return null;
            return new ServiceFinding { Service = service, Tunnel = "ssl", Info = "TLS alert: " + AlertName(banner[6]) };
        }
        if (banner[0] != 22) return null;

        // The handshake messages, gathered from consecutive handshake records.
        var hs = new List<byte>();
        var rest = banner;
        while (rest.Length >= 5 && rest[0] == 22)
        {
            int len = BinaryPrimitives.ReadUInt16BigEndian(rest[3..]);
            int have = Math.Min(len, rest.Length - 5);
            hs.AddRange(rest.Slice(5, have));
            rest = rest[(5 + have)..];
        }
        var m = hs.ToArray().AsSpan();
        if (m.Length < 6 || m[0] != 2) return null;                          // ServerHello first
        string? version = BinaryPrimitives.ReadUInt16BigEndian(m[4..]) switch
        {
            0x0300 => "SSLv3", 0x0301 => "TLSv1.0", 0x0302 => "TLSv1.1", 0x0303 => "TLSv1.2", _ => null,
        };
        string? subject = null, issuer = null;
        while (m.Length >= 4)
        {
            int len = (m[1] << 16) | (m[2] << 8) | m[3];
            if (m.Length < 4 + len) break;
            if (m[0] == 11 && len >= 6)
            {
                var body = m.Slice(4, len);
                int certLen = (body[3] << 16) | (body[4] << 8) | body[5];
                if (certLen > 0 && 6 + certLen <= body.Length)
                {
                    try
                    {
                        using var cert = X509CertificateLoader.LoadCertificate(body.Slice(6, certLen));
                        subject = cert.Subject;
                        issuer = cert.Issuer;
                    }
                    catch (System.Security.Cryptography.CryptographicException) { }
                }
                break;
            }
            m = m[(4 + len)..];
        }
        return new ServiceFinding { Service = service, Tunnel = "ssl", Info = version, TlsSubject = subject, TlsIssuer = issuer };
    }

    private static string AlertName(byte d) => d switch
    {
        40 => "handshake_failure", 47 => "illegal_parameter", 50 => "decode_error", 70 => "protocol_version",
        71 => "insufficient_security", 80 => "internal_error", 112 => "unrecognized_name", 10 => "unexpected_message",
        _ => d.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
