using System.Buffers.Binary;

namespace RawScan.Probes.Udp;

/// <summary>
/// NetBIOS name service (port 137): a NODE STATUS REQUEST (RFC 1002 section 4.2.17) for the wildcard
/// name "*", which any node answers with its name table. The name is "*" padded with 15 zero bytes,
/// first-level encoded (RFC 1001 section 14.1: each nibble + 'A', so "CKAAAA..."), question type
/// NBSTAT (0x21), class IN. NAME_TRN_ID = cookie &amp; 0xffff, echoed in the response (R bit set).
/// </summary>
internal sealed class NetBiosProbe : IUdpProbe
{
    public static NetBiosProbe Instance { get; } = new();

    private static readonly byte[] Request = Build();

    public static int Length => Request.Length;   // 50

    public string Name => "netbios";

    private static byte[] Build()
    {
        var q = new byte[50];
        BinaryPrimitives.WriteUInt16BigEndian(q.AsSpan(4), 1);         // QDCOUNT; flags 0: query, not broadcast
        q[12] = 32;                                                     // the encoded name is 32 characters
        q[13] = (byte)('A' + ('*' >> 4));
        q[14] = (byte)('A' + ('*' & 0xf));
        q.AsSpan(15, 30).Fill((byte)'A');                               // 15 zero bytes of padding
        // q[45] = 0: the root, no scope
        BinaryPrimitives.WriteUInt16BigEndian(q.AsSpan(46), 0x0021);   // NBSTAT
        BinaryPrimitives.WriteUInt16BigEndian(q.AsSpan(48), 0x0001);   // IN
        return q;
    }

    public int Write(Span<byte> payload, uint cookie)
    {
        Request.CopyTo(payload);
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)cookie);
        return Request.Length;
    }

    /// <summary>Proved: a response (R bit) with our transaction ID; anything else on the port is Refuted.</summary>
    public EchoCheck Check(ReadOnlySpan<byte> reply, uint cookie)
    {
        if (reply.Length < 12 || (reply[2] & 0x80) == 0) return EchoCheck.Refuted;
        return BinaryPrimitives.ReadUInt16BigEndian(reply) == (ushort)cookie ? EchoCheck.Proved : EchoCheck.Refuted;
    }
}
