using System.Text;
using RawScan.Lab.Internal;
using RawScan.Lab.Interop;
using Xunit;

namespace RawScan.Tests;

/// <summary>The lab's SNMP agent (udp/161) as a pure function.</summary>
public class LabUdpSnmpTests
{
    private static readonly byte[] SysDescrOid = [0x06, 0x08, 0x2B, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00];
    private static readonly byte[] SysNameOid = [0x06, 0x08, 0x2B, 0x06, 0x01, 0x02, 0x01, 0x01, 0x05, 0x00];

    /// <summary>A BER TLV, its length in the shortest form.</summary>
    private static byte[] Tlv(byte tag, params byte[][] content)
    {
        var c = content.SelectMany(b => b).ToArray();
        byte[] length = c.Length < 0x80 ? [(byte)c.Length] : c.Length < 0x100 ? [0x81, (byte)c.Length] : [0x82, (byte)(c.Length >> 8), (byte)c.Length];
        return [tag, .. length, .. c];
    }

    internal static byte[] GetRequest(int version = 1, string community = "public", byte[]? requestId = null, byte pdu = 0xA0, params byte[][] oids)
    {
        var binds = oids.Select(o => Tlv(0x30, o, [0x05, 0x00])).ToArray();
        return Tlv(0x30, [0x02, 0x01, (byte)version], Tlv(0x04, Encoding.ASCII.GetBytes(community)),
            Tlv(pdu, requestId ?? [0x02, 0x04, 0x12, 0x34, 0x56, 0x78], [0x02, 0x01, 0x00], [0x02, 0x01, 0x00], Tlv(0x30, binds)));
    }

    private static byte[]? Respond(byte[] query)
    {
        var reply = new byte[8192];
        int n = SnmpResponder.Respond(query, reply);
        return n == 0 ? null : reply[..n];
    }

    [Fact]
    public void AnswersSysDescrInV2c()
    {
        var reply = Respond(GetRequest(oids: SysDescrOid));
        byte[] expected =
        [
            0x30, 0x34, 0x02, 0x01, 0x01, 0x04, 0x06, .. "public"u8,
            0xA2, 0x27, 0x02, 0x04, 0x12, 0x34, 0x56, 0x78, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00,
            0x30, 0x19, 0x30, 0x17, .. SysDescrOid, 0x04, 0x0B, .. "RawScan lab"u8,
        ];
        Assert.Equal(expected, reply);
    }

    [Fact]
    public void AnswersSysDescrInV1()
    {
        var reply = Respond(GetRequest(version: 0, oids: SysDescrOid))!;
        Assert.Equal(0x00, reply[4]);
        Assert.Equal(0xA2, reply[13]);
        Assert.EndsWith("RawScan lab", Encoding.ASCII.GetString(reply));
    }

    [Theory]
    [InlineData(new byte[] { 0x02, 0x01, 0x00 })]                              // 0
    [InlineData(new byte[] { 0x02, 0x01, 0x80 })]                              // -128: the bytes, not a value
    [InlineData(new byte[] { 0x02, 0x05, 0x00, 0xFF, 0xFF, 0xFF, 0xFF })]      // 2^32-1 as a 5-byte INTEGER
    [InlineData(new byte[] { 0x02, 0x04, 0x00, 0x00, 0x00, 0x07 })]            // padded, not minimal: still echoed as sent
    public void EchoesTheRequestIdBytesAsReceived(byte[] requestId)
    {
        var reply = Respond(GetRequest(requestId: requestId, oids: SysDescrOid))!;
        Assert.Equal(requestId, reply[15..(15 + requestId.Length)]);
    }

    [Fact]
    public void UnknownOidIsNoSuchObjectInV2c()
    {
        var reply = Respond(GetRequest(oids: [SysNameOid, SysDescrOid]))!;
        byte[] binds = [0x30, 0x0C, .. SysNameOid, 0x80, 0x00, 0x30, 0x17, .. SysDescrOid, 0x04, 0x0B, .. "RawScan lab"u8];
        Assert.Equal(binds, reply[^binds.Length..]);
        Assert.Equal(new byte[] { 0x02, 0x01, 0x00, 0x02, 0x01, 0x00 }, reply[21..27]);   // error-status, error-index 0
    }

    [Fact]
    public void UnknownOidIsNoSuchNameInV1WithTheRequestEchoed()
    {
        var query = GetRequest(version: 0, oids: [SysDescrOid, SysNameOid]);
        var reply = Respond(query)!;
        Assert.Equal(query.Length, reply.Length);
        Assert.Equal(new byte[] { 0x02, 0x01, 0x02, 0x02, 0x01, 0x02 }, reply[21..27]);   // noSuchName, the 2nd binding
        Assert.Equal(query[27..], reply[27..]);
        Assert.Equal(0xA2, reply[13]);
    }

    [Fact]
    public void AcceptsLongFormLengthsAndManyBindings()
    {
        var query = GetRequest(oids: [.. Enumerable.Repeat(SysDescrOid, 20)]);              // > 255 bytes: 0x82 lengths
        Assert.Equal(0x82, query[1]);
        var reply = Respond(query)!;
        Assert.Equal(20, Encoding.ASCII.GetString(reply).Split("RawScan lab").Length - 1);
        Assert.Null(Respond(GetRequest(oids: [.. Enumerable.Repeat(SysDescrOid, SnmpResponder.MaxVarBinds + 1)])));
    }

    /// <summary>nmap's udp/161 payload (nmap-payloads): v1, "public", GetNextRequest of 0.0, request-id 0.</summary>
    private static readonly byte[] NmapGetNext =
        [0x30, 0x1F, 0x02, 0x01, 0x00, 0x04, 0x06, .. "public"u8, 0xA1, 0x12, 0x02, 0x01, 0x00, 0x02,
         0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x07, 0x30, 0x05, 0x06, 0x01, 0x00, 0x05, 0x00];

    [Fact]
    public void AnswersNmapsGetNextWithSysDescr()
    {
        byte[] expected =
        [
            0x30, 0x31, 0x02, 0x01, 0x00, 0x04, 0x06, .. "public"u8,
            0xA2, 0x24, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00,
            0x30, 0x19, 0x30, 0x17, .. SysDescrOid, 0x04, 0x0B, .. "RawScan lab"u8,
        ];
        Assert.Equal(expected, Respond(NmapGetNext));
    }

    [Theory]
    [InlineData(new byte[] { 0x2B }, true)]                                              // 1.3
    [InlineData(new byte[] { 0x2B, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01 }, true)]          // sysDescr: a prefix of sysDescr.0
    [InlineData(new byte[] { 0x2B, 0x06, 0x01, 0x02, 0x01, 0x01, 0x00, 0x7F }, true)]    // 1.3.6.1.2.1.1.0.127
    [InlineData(new byte[] { 0x2B, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00 }, false)]   // sysDescr.0 itself
    [InlineData(new byte[] { 0x2B, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x00 }, false)] // below sysDescr.0
    [InlineData(new byte[] { 0x2B, 0x06, 0x01, 0x02, 0x01, 0x01, 0x05, 0x00 }, false)]   // sysName.0
    [InlineData(new byte[] { 0x2B, 0x06, 0x01, 0x02, 0x01, 0x01, 0x81, 0x00 }, false)]   // arc 128: after 1, though its first byte is 0x81
    [InlineData(new byte[] { 0x2B, 0x06, 0x01, 0x02, 0x81, 0x80, 0x00 }, false)]         // 1.3.6.1.2.16384 sorts after 1.3.6.1.2.1
    [InlineData(new byte[] { 0x2B, 0x06, 0x01, 0x02, 0x00, 0x82, 0x00 }, true)]          // 1.3.6.1.2.0.256 before 1.3.6.1.2.1
    [InlineData(new byte[] { 0x88, 0x37 }, false)]                                        // 2.999: after every 1.x
    public void GetNextAnswersSysDescrOnlyForAnOidBeforeIt(byte[] oidContent, bool before)
    {
        byte[] oid = [0x06, (byte)oidContent.Length, .. oidContent];
        var v2c = Respond(GetRequest(pdu: 0xA1, oids: oid))!;
        Assert.Equal(0xA2, v2c[13]);
        if (before)
        {
            Assert.Equal([0x30, 0x17, .. SysDescrOid, 0x04, 0x0B, .. "RawScan lab"u8], v2c[^25..]);
        }
        else
        {
            byte[] end = [0x30, (byte)(oid.Length + 2), .. oid, 0x82, 0x00];            // endOfMibView, the name as asked
            Assert.Equal(end, v2c[^end.Length..]);
        }
        var v1 = Respond(GetRequest(version: 0, pdu: 0xA1, oids: oid))!;
        Assert.Equal(before ? [0x02, 0x01, 0x00, 0x02, 0x01, 0x00] : new byte[] { 0x02, 0x01, 0x02, 0x02, 0x01, 0x01 }, v1[21..27]);
    }

    [Fact]
    public void AnswersAnEmptyBindingList() =>
        Assert.NotNull(Respond(GetRequest(oids: [])));

    public static TheoryData<string, byte[]> Ignored()
    {
        var ok = GetRequest(oids: SysDescrOid);
        return new()
        {
            { "empty", [] },
            { "community private", GetRequest(community: "private", oids: SysDescrOid) },
            { "community PUBLIC", GetRequest(community: "PUBLIC", oids: SysDescrOid) },
            { "version 3", GetRequest(version: 3, oids: SysDescrOid) },
            { "GetBulkRequest", GetRequest(pdu: 0xA5, oids: SysDescrOid) },
            { "GetNext of a cut-short sub-identifier", GetRequest(pdu: 0xA1, oids: [[0x06, 0x02, 0x2B, 0x86]]) },
            { "a GetResponse", GetRequest(pdu: 0xA2, oids: SysDescrOid) },
            { "SetRequest", GetRequest(pdu: 0xA3, oids: SysDescrOid) },
            { "truncated", ok[..^1] },
            { "trailing byte", [.. ok, 0] },
            { "indefinite length", [0x30, 0x80, .. ok[2..], 0, 0] },
            { "outer length too long", [0x30, (byte)(ok[1] + 1), .. ok[2..]] },
            { "not a SEQUENCE", [0x31, .. ok[1..]] },
            { "empty request-id", GetRequest(requestId: [0x02, 0x00], oids: SysDescrOid) },
            { "request-id of 9 bytes", GetRequest(requestId: [0x02, 0x09, 1, 2, 3, 4, 5, 6, 7, 8, 9], oids: SysDescrOid) },
            { "request-id not an INTEGER", GetRequest(requestId: [0x04, 0x01, 0x01], oids: SysDescrOid) },
            { "binding without a value", GetRequest(oids: []) is var e ? Bind(e, Tlv(0x30, SysDescrOid)) : [] },
            { "binding name not an OID", GetRequest(oids: []) is var f ? Bind(f, Tlv(0x30, [0x04, 0x01, 0x00], [0x05, 0x00])) : [] },
            { "binding with a third element", GetRequest(oids: []) is var g ? Bind(g, Tlv(0x30, SysDescrOid, [0x05, 0x00], [0x05, 0x00])) : [] },
            { "multi-byte tag", GetRequest(oids: []) is var h ? Bind(h, Tlv(0x30, SysDescrOid, [0x1F, 0x01, 0x00])) : [] },
        };
    }

    /// <summary>The empty-binding request <paramref name="empty"/> with one raw binding put in its list.</summary>
    private static byte[] Bind(byte[] empty, byte[] binding)
    {
        // empty ends "30 00"; rebuild every enclosing length by re-encoding from scratch.
        int version = empty[4];
        var pduContent = empty[15..^2];                   // request-id, error-status, error-index
        return Tlv(0x30, [0x02, 0x01, (byte)version], Tlv(0x04, "public"u8.ToArray()), Tlv(0xA0, pduContent, Tlv(0x30, binding)));
    }

    [Theory]
    [MemberData(nameof(Ignored))]
    public void IgnoresMalformedOrForeignRequests(string what, byte[] query) =>
        Assert.True(Respond(query) is null, what);

    [Fact]
    public void NeverThrowsOnRandomOrMutatedInput()
    {
        var random = new Random(161);
        var reply = new byte[8192];
        var seeds = new[] { GetRequest(oids: SysDescrOid), GetRequest(version: 0, oids: [SysDescrOid, SysNameOid]), GetRequest(oids: [.. Enumerable.Repeat(SysNameOid, 30)]) };
        for (int i = 0; i < 10_000; i++)
        {
            byte[] input;
            if (i % 2 == 0)
            {
                input = new byte[random.Next(0, 600)];
                random.NextBytes(input);
                if (input.Length > 2 && i % 4 == 0) { input[0] = 0x30; input[1] = (byte)Math.Min(input.Length - 2, 127); }
            }
            else
            {
                input = (byte[])seeds[i % seeds.Length].Clone();
                for (int m = random.Next(1, 4); m > 0; m--) input[random.Next(input.Length)] = (byte)random.Next(256);
                if (random.Next(4) == 0) input = input[..random.Next(input.Length)];
            }
            int n = SnmpResponder.Respond(input, reply);
            Assert.InRange(n, 0, reply.Length);
            if (n > 0) Assert.Equal(0x30, reply[0]);
        }
        // A reply that would not fit the buffer is dropped, not overrun.
        Assert.Equal(0, SnmpResponder.Respond(GetRequest(oids: SysDescrOid), new byte[40]));
    }

    [Fact]
    public void NativeStructsHaveTheKernelsLayout()
    {
        unsafe
        {
            Assert.Equal(56, sizeof(Libc.MsgHdr));
            Assert.Equal(64, sizeof(Libc.MMsgHdr));
            Assert.Equal(16, sizeof(Libc.CMsgHdr));
            Assert.Equal(12, sizeof(Libc.InPktInfo));
            Assert.Equal(16, sizeof(Libc.SockAddrIn));
            Assert.Equal(20, sizeof(Libc.In6PktInfo));
            Assert.Equal(28, sizeof(Libc.SockAddrIn6));
        }
        Assert.Equal(40, Libc.CMsgSpace(20));   // CMSG_SPACE(sizeof(struct in6_pktinfo))
        Assert.Equal(36, Libc.CMsgLen(20));
        Assert.Equal(32, Libc.CMsgSpace(12));   // CMSG_SPACE(sizeof(struct in_pktinfo))
        Assert.Equal(28, Libc.CMsgLen(12));
    }
}
