using System.Buffers.Binary;
using System.Security.Cryptography;

namespace RawScan.Banners;

/// <summary>
/// A TLS 1.2 ClientHello (RFC 5246 section 7.4.1.2) that offers TLS 1.2 alone: no supported_versions
/// extension (RFC 8446 section 4.2.1), so a TLS 1.3 server answers in 1.2 and its Certificate comes
/// in clear, which is what names the service. Suites: ECDHE with ECDSA or RSA, AES-GCM, ChaCha20 and
/// CBC, then plain RSA key exchange for old servers. Extensions: supported_groups and ec_point_formats
/// (RFC 8422), signature_algorithms (RFC 5246 7.4.1.4.1, with RFC 8446's codes), renegotiation_info
/// (RFC 5746) and extended_master_secret (RFC 7627), which current servers expect. No SNI: the targets
/// are addresses (RFC 6066 section 3 forbids an address there). Written once per process, random
/// included, and copied per connection.
/// </summary>
public sealed class TlsHello : IHello
{
    private static readonly ushort[] Suites =
    [
        0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8,   // ECDHE-{ECDSA,RSA} AES-GCM, ChaCha20-Poly1305
        0xc023, 0xc027, 0xc024, 0xc028,                   // ECDHE CBC with SHA-256/384
        0xc009, 0xc013, 0xc00a, 0xc014,                   // ECDHE CBC with SHA-1
        0x009c, 0x009d, 0x003c, 0x003d, 0x002f, 0x0035,   // RSA key exchange: GCM, CBC
        0x000a,                                           // RSA 3DES, the last resort of old servers
    ];

    private static readonly ushort[] Groups = [0x001d, 0x0017, 0x0018, 0x0019];        // x25519, P-256, P-384, P-521

    private static readonly ushort[] SignatureAlgorithms =
    [
        0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0603, 0x0806, 0x0601, 0x0201, 0x0203,
    ];

    /// <summary>The whole record, written once.</summary>
    private static readonly byte[] Record = Build();

    public string Name => "tls";

    /// <summary>nmap's TLSSessionReq (a TLS 1.2 ClientHello); its fallback is GetRequest.</summary>
    public string? NmapProbe => "TLSSessionReq";

    public int MaxLength => Record.Length;

    public int Write(Span<byte> destination, UInt128 address, ushort port)
    {
        Record.CopyTo(destination);
        return Record.Length;
    }

    private static byte[] Build()
    {
        var b = new byte[512];
        int n = 0;
        void U8(int v) => b[n++] = (byte)v;
        void U16(int v) { BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(n), (ushort)v); n += 2; }
        int Mark(int size) { int at = n; n += size; return at; }
        void Patch16(int at) => BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(at), (ushort)(n - at - 2));

        U8(22); U16(0x0301);                           // handshake record; 1.0 on the record for old middleboxes (RFC 5246 Appendix E.1)
        int record = Mark(2);
        U8(1);                                         // client_hello
        int hs = Mark(3);
        U16(0x0303);                                   // client_version TLS 1.2
        RandomNumberGenerator.Fill(b.AsSpan(n, 32)); n += 32;
        U8(0);                                         // no session id
        U16(Suites.Length * 2);
        foreach (var s in Suites) U16(s);
        U8(1); U8(0);                                  // compression: null only
        int exts = Mark(2);

        U16(0x000a); int e = Mark(2); U16(Groups.Length * 2); foreach (var g in Groups) U16(g); Patch16(e);
        U16(0x000b); e = Mark(2); U8(1); U8(0); Patch16(e);                                    // uncompressed points
        U16(0x000d); e = Mark(2); U16(SignatureAlgorithms.Length * 2); foreach (var a in SignatureAlgorithms) U16(a); Patch16(e);
        U16(0xff01); e = Mark(2); U8(0); Patch16(e);                                           // renegotiation_info, empty
        U16(0x0017); e = Mark(2); Patch16(e);                                                  // extended_master_secret

        Patch16(exts);
        int hsLength = n - hs - 3;
        b[hs] = (byte)(hsLength >> 16); b[hs + 1] = (byte)(hsLength >> 8); b[hs + 2] = (byte)hsLength;
        Patch16(record);
        return b[..n];
    }
}
