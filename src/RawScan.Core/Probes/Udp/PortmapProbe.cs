using System.Buffers.Binary;

namespace RawScan.Probes.Udp;

/// <summary>
/// ONC RPC portmapper / rpcbind (port 111): a call of procedure 0 (NULL) of program 100000 version 2
/// (RFC 1833 section 3), with AUTH_NULL credentials and verifier (RFC 5531 section 9). Every reply
/// starts with the call's XID (section 9: "the xid of a reply message always matches that of the
/// initiating call"), so the XID is the whole 32-bit cookie.
/// </summary>
internal sealed class PortmapProbe : IUdpProbe
{
    public static PortmapProbe Instance { get; } = new();

    private static ReadOnlySpan<byte> Call =>
    [
        0, 0, 0, 0,                 // xid (patched)
        0, 0, 0, 0,                 // msg_type CALL
        0, 0, 0, 2,                 // rpcvers 2
        0, 1, 0x86, 0xA0,           // prog 100000: portmapper
        0, 0, 0, 2,                 // vers 2
        0, 0, 0, 0,                 // proc 0: NULL
        0, 0, 0, 0, 0, 0, 0, 0,     // cred: AUTH_NULL, length 0
        0, 0, 0, 0, 0, 0, 0, 0,     // verf: AUTH_NULL, length 0
    ];

    public static int Length => Call.Length;   // 40

    public string Name => "portmap";

    public int Write(Span<byte> payload, uint cookie)
    {
        Call.CopyTo(payload);
        BinaryPrimitives.WriteUInt32BigEndian(payload, cookie);
        return Call.Length;
    }

    /// <summary>Proved: a REPLY (msg_type 1), accepted or denied, with our XID; anything else is Refuted.</summary>
    public EchoCheck Check(ReadOnlySpan<byte> reply, uint cookie)
    {
        if (reply.Length < 12 || BinaryPrimitives.ReadUInt32BigEndian(reply[4..]) != 1) return EchoCheck.Refuted;
        return BinaryPrimitives.ReadUInt32BigEndian(reply) == cookie ? EchoCheck.Proved : EchoCheck.Refuted;
    }
}
