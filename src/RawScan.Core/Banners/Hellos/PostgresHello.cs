using System.Buffers.Binary;

namespace RawScan.Banners;

/// <summary>
/// A PostgreSQL StartupMessage, protocol 3.0 (PostgreSQL documentation, "Frontend/Backend Protocol",
/// Message Formats), for user and database "rawscan". Chosen over SSLRequest, whose answer is one
/// byte ('S' or 'N') that many services could send: the startup draws a whole message, an
/// ErrorResponse ('E' with SFATAL, a SQLSTATE such as 28000 and a text: no such role, no pg_hba.conf
/// entry) or an authentication request ('R' with its method), either of which only PostgreSQL sends.
/// No nmap probe sends it; the NULL probe's rules apply.
/// </summary>
public sealed class PostgresHello : IHello
{
    private static readonly byte[] Message = Build();

    public string Name => "postgres";
    public string? NmapProbe => null;
    public int MaxLength => Message.Length;

    public int Write(Span<byte> destination, UInt128 address, ushort port)
    {
        Message.CopyTo(destination);
        return Message.Length;
    }

    private static byte[] Build()
    {
        byte[] parameters = "user\0rawscan\0database\0rawscan\0application_name\0rawscan\0\0"u8.ToArray();
        var m = new byte[8 + parameters.Length];
        BinaryPrimitives.WriteInt32BigEndian(m, m.Length);
        BinaryPrimitives.WriteInt32BigEndian(m.AsSpan(4), 3 << 16);                 // protocol 3.0
        parameters.CopyTo(m, 8);
        return m;
    }
}
