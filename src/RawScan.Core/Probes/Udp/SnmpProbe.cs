using System.Buffers.Binary;

namespace RawScan.Probes.Udp;

/// <summary>
/// SNMP (port 161): an SNMPv2c GetRequest (RFC 1901 message, RFC 3416 PDU) with community "public"
/// for sysDescr.0 (1.3.6.1.2.1.1.1.0), the one object every agent has. An agent that knows the
/// community answers with a Response PDU (tag 0xA2) carrying our request-id.
/// <para>
/// The request-id is an Integer32 encoded in minimal two's complement (X.690 section 8.3.2), so its
/// length would vary with the value. It is 0x40000000 | (cookie &amp; 0x3fffffff): positive, always four
/// contents octets, so the datagram has one length for every cookie and carries 30 of its bits.
/// </para>
/// </summary>
internal sealed class SnmpProbe : IUdpProbe
{
    public static SnmpProbe Instance { get; } = new();

    private const int RequestIdOffset = 17;

    private static ReadOnlySpan<byte> Message =>
    [
        0x30, 41,                                                    // Message SEQUENCE
        0x02, 1, 1,                                                  //   version: 1 = v2c
        0x04, 6, (byte)'p', (byte)'u', (byte)'b', (byte)'l', (byte)'i', (byte)'c',
        0xA0, 28,                                                    //   GetRequest-PDU [0]
        0x02, 4, 0, 0, 0, 0,                                         //     request-id (patched)
        0x02, 1, 0,                                                  //     error-status
        0x02, 1, 0,                                                  //     error-index
        0x30, 14,                                                    //     variable-bindings
        0x30, 12,                                                    //       VarBind
        0x06, 8, 0x2B, 6, 1, 2, 1, 1, 1, 0,                          //         1.3.6.1.2.1.1.1.0
        0x05, 0,                                                     //         NULL
    ];

    public static int Length => Message.Length;   // 43

    public string Name => "snmp";

    /// <summary>The request-id a probe with <paramref name="cookie"/> carries.</summary>
    public static int RequestId(uint cookie) => (int)(0x40000000 | (cookie & 0x3fffffff));

    public int Write(Span<byte> payload, uint cookie)
    {
        Message.CopyTo(payload);
        BinaryPrimitives.WriteInt32BigEndian(payload[RequestIdOffset..], RequestId(cookie));
        return Message.Length;
    }

    /// <summary>Proved: a Response PDU with our request-id. Anything else on the port, SNMP or not, is Refuted.</summary>
    public EchoCheck Check(ReadOnlySpan<byte> reply, uint cookie)
    {
        if (!Ber.TryRead(reply, out byte tag, out var message, out _) || tag != 0x30) return EchoCheck.Refuted;
        if (!Ber.TryRead(message, out tag, out _, out var rest) || tag != 0x02) return EchoCheck.Refuted;      // version
        if (!Ber.TryRead(rest, out tag, out _, out rest) || tag != 0x04) return EchoCheck.Refuted;             // community
        if (!Ber.TryRead(rest, out tag, out var pdu, out _) || tag != 0xA2) return EchoCheck.Refuted;          // Response-PDU
        if (!Ber.TryRead(pdu, out tag, out var id, out _) || tag != 0x02) return EchoCheck.Refuted;            // request-id
        return Ber.TryInteger(id, out long value) && value == RequestId(cookie) ? EchoCheck.Proved : EchoCheck.Refuted;
    }
}
