using System.Diagnostics;
using System.Text;
using RawScan.Lab;
using RawScan.Lab.Internal;
using RawScan.Lab.Interop;
using RawScan.Results;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>The lab's DNS responder (udp/53) as a pure function: bytes in, bytes out.</summary>
public class LabUdpDnsTests
{
    private const uint Destination = 0xC6120709; // 198.18.7.9

    /// <summary>A standard query with RD set: ID 0x1234, one question.</summary>
    internal static byte[] Query(string name, ushort type = 1, ushort @class = 1, ushort id = 0x1234, byte flags = 0x01)
    {
        var q = new List<byte> { (byte)(id >> 8), (byte)id, flags, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (var label in name.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            q.Add((byte)label.Length);
            q.AddRange(Encoding.ASCII.GetBytes(label));
        }
        q.AddRange([0, (byte)(type >> 8), (byte)type, (byte)(@class >> 8), (byte)@class]);
        return [.. q];
    }

    private static byte[]? Respond(byte[] query)
    {
        var reply = new byte[DnsResponder.MaxReplyLength];
        int n = DnsResponder.Respond(query, Destination, reply);
        return n == 0 ? null : reply[..n];
    }

    [Fact]
    public void AnswersAWithTheQueriedAddressEchoingIdAndQuestionCase()
    {
        var query = Query("ExAmPlE.cOm");
        var reply = Respond(query)!;
        Assert.Equal(query[..2], reply[..2]);                        // ID
        Assert.Equal(0x85, reply[2]);                                // QR, AA, RD copied
        Assert.Equal(0x00, reply[3]);                                // RA 0, RCODE NOERROR
        Assert.Equal(new byte[] { 0, 1, 0, 1, 0, 0, 0, 0 }, reply[4..12]);
        Assert.Equal(query[12..], reply[12..query.Length]);          // the question, letter case and all
        Assert.Equal(new byte[] { 0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 198, 18, 7, 9 }, reply[query.Length..]);
    }

    [Theory]
    [InlineData("version.bind")]
    [InlineData("VERSION.BIND")]
    [InlineData("VeRsIoN.bInD")]
    public void AnswersVersionBindInAnyCase(string name)
    {
        var query = Query(name, type: 16, @class: 3);
        var reply = Respond(query)!;
        Assert.Equal(query[12..], reply[12..query.Length]);
        Assert.Equal(1, reply[7]);                                   // ANCOUNT
        var txt = reply[query.Length..];
        Assert.Equal(new byte[] { 0xC0, 0x0C, 0, 16, 0, 3, 0, 0, 0, 0, 0, 12, 11 }, txt[..13]);
        Assert.Equal("RawScan lab", Encoding.ASCII.GetString(txt[13..]));
    }

    [Theory]
    [InlineData("example.com", 28, 1)]   // AAAA
    [InlineData("version.bind", 16, 1)]  // TXT, but IN
    [InlineData("version.bin", 16, 3)]
    [InlineData("", 2, 1)]               // the root, NS
    public void AnswersAnythingElseWithNoErrorAndNoAnswer(string name, int type, int @class)
    {
        var query = Query(name, (ushort)type, (ushort)@class);
        var reply = Respond(query)!;
        Assert.Equal(query.Length, reply.Length);
        Assert.Equal(query[12..], reply[12..]);
        Assert.Equal(0x85, reply[2]);
        Assert.Equal(0, reply[3]);
        Assert.Equal(0, reply[7]);
    }

    [Fact]
    public void KeepsRdAsAskedAndIgnoresAdditionalRecords()
    {
        var query = Query("a.b", flags: 0x00);
        Assert.Equal(0x84, Respond(query)![2]);
        // An EDNS OPT record after the question: answered, without it (ARCOUNT 0).
        byte[] edns = [.. query, 0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0];
        edns[11] = 1;
        var reply = Respond(edns)!;
        Assert.Equal(0, reply[11]);
        Assert.Equal(query[12..], reply[12..query.Length]);
    }

    public static TheoryData<string, byte[]> Malformed()
    {
        var ok = Query("example.com");
        byte[] With(Action<byte[]> change) { var q = (byte[])ok.Clone(); change(q); return q; }
        var longName = Query(string.Join('.', Enumerable.Repeat(new string('a', 63), 4)));   // 4 x 64 + 1 = 257 bytes
        return new()
        {
            { "empty", [] },
            { "header only, short", ok[..11] },
            { "header, no question", ok[..12] },
            { "a response (QR 1)", With(q => q[2] |= 0x80) },
            { "opcode 1 (IQUERY)", With(q => q[2] |= 0x08) },
            { "opcode 2 (STATUS)", With(q => q[2] |= 0x10) },
            { "QDCOUNT 0", With(q => q[5] = 0) },
            { "QDCOUNT 2", With(q => q[5] = 2) },
            { "QDCOUNT 256", With(q => { q[4] = 1; q[5] = 0; }) },
            { "no type and class", ok[..^4] },
            { "half a class", ok[..^1] },
            { "name without its root", ok[..^5] },
            { "label longer than what follows", With(q => q[12] = 60) },
            { "label of 64", With(q => q[12] = 64) },
            { "compression pointer", With(q => { q[12] = 0xC0; q[13] = 0x0C; }) },
            { "reserved label type 0x80", With(q => q[12] = 0x80) },
            { "name over 255 bytes", longName },
        };
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void IgnoresMalformedQueries(string what, byte[] query) =>
        Assert.True(Respond(query) is null, what);

    [Fact]
    public void NameOfExactly255BytesIsAnswered()
    {
        // 3 x 64 + 62 + root = 255.
        var name = string.Join('.', Enumerable.Repeat(new string('a', 63), 3).Append(new string('b', 61)));
        Assert.NotNull(Respond(Query(name)));
    }

    [Fact]
    public void NeverThrowsOnRandomOrMutatedInput()
    {
        var random = new Random(20240601);
        var reply = new byte[DnsResponder.MaxReplyLength];
        var seeds = new[] { Query("ExAmPlE.cOm"), Query("version.bind", 16, 3), Query("x", 28) };
        for (int i = 0; i < 10_000; i++)
        {
            byte[] input;
            if (i % 2 == 0)
            {
                input = new byte[random.Next(0, 600)];
                random.NextBytes(input);
                if (input.Length > 5 && i % 4 == 0) { input[2] &= 0x07; input[4] = 0; input[5] = 1; } // past the header checks
            }
            else
            {
                var seed = seeds[i % seeds.Length];
                input = (byte[])seed.Clone();
                for (int m = random.Next(1, 4); m > 0; m--) input[random.Next(input.Length)] = (byte)random.Next(256);
                if (random.Next(4) == 0) input = input[..random.Next(input.Length)];
            }
            int n = DnsResponder.Respond(input, Destination, reply);
            Assert.InRange(n, 0, DnsResponder.MaxReplyLength);
            if (n > 0)
            {
                Assert.Equal(input[..2], reply[..2]);
                Assert.Equal(0x80, reply[2] & 0x80);
            }
        }
    }
}

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
            { "GetNextRequest", GetRequest(pdu: 0xA1, oids: SysDescrOid) },
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
        }
        Assert.Equal(32, Libc.CMsgSpace(12));   // CMSG_SPACE(sizeof(struct in_pktinfo))
        Assert.Equal(28, Libc.CMsgLen(12));
    }
}

/// <summary>
/// UDP in a real lab, from the scanner namespace: the responders answer from the address asked, closed
/// ports get the kernel's port unreachable, dropped pairs nothing. Queries go out through bash's
/// /dev/udp, a connected socket: it takes a reply only from the address and port it sent to, so a
/// reply from the wrong source is not even received.
/// </summary>
[Collection(LabScans.Name)]
public class LabUdpTests
{
    [LabFact]
    public void RespondersAnswerFromTheQueriedAddressAndTheRestMatchesTheTruth()
    {
        string name = LabManagerTests.UniqueName();
        try
        {
            var lab = LabManager.Up(name, Cli.Command);
            var truth = LabTruth.Load(lab.TruthPath);
            string ns = lab.ScannerNamespace;

            var dnsQuery = LabUdpDnsTests.Query("RaWsCaN.ExAmPlE", id: 0xBEEF);
            byte[] snmpQuery = LabUdpSnmpTests.GetRequest(requestId: [0x02, 0x04, 0x7A, 0x11, 0x05, 0x42],
                oids: [[0x06, 0x08, 0x2B, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00]]);
            var results = new Dictionary<string, (int Exit, byte[] Reply)>();
            var capture = CaptureOnScanner(lab, "udp or icmp", () =>
            {
                results["dns 198.18.7.9"] = Ask(ns, "198.18.7.9", 53, dnsQuery);
                results["dns 198.18.255.255"] = Ask(ns, "198.18.255.255", 53, dnsQuery);
                results["dns 198.18.3.7"] = Ask(ns, "198.18.3.7", 53, dnsQuery);                // the firewalled /24 lets 53 in
                results["snmp 198.18.7.9"] = Ask(ns, "198.18.7.9", 161, snmpQuery);
                results["snmp 198.18.0.127"] = Ask(ns, "198.18.0.127", 161, snmpQuery);
                results["closed 198.18.7.9:1000"] = Ask(ns, "198.18.7.9", 1000, [1, 2, 3]);
                results["dropped 198.18.0.200:161"] = Ask(ns, "198.18.0.200", 161, snmpQuery);
                results["dropped 198.18.7.9:500"] = Ask(ns, "198.18.7.9", 500, [1, 2, 3]);
                results["dropped 198.18.3.7:161"] = Ask(ns, "198.18.3.7", 161, snmpQuery);
            });

            foreach (var address in new[] { "198.18.7.9", "198.18.255.255", "198.18.3.7" })
            {
                var (exit, reply) = results[$"dns {address}"];
                Assert.True(exit == 0, $"no DNS reply from {address} (exit {exit})");
                Assert.Equal(new byte[] { 0xBE, 0xEF }, reply[..2]);
                Assert.Equal(0x85, reply[2]);
                Assert.Equal(dnsQuery[12..], reply[12..dnsQuery.Length]);                     // letter case preserved
                Assert.Equal(address.Split('.').Select(byte.Parse), reply[^4..]);             // A: the address asked
                Assert.Equal(PortState.Open, truth.Expected(Ip(address), Protocol.Udp, 53));
            }
            foreach (var address in new[] { "198.18.7.9", "198.18.0.127" })
            {
                var (exit, reply) = results[$"snmp {address}"];
                Assert.True(exit == 0, $"no SNMP reply from {address} (exit {exit})");
                Assert.Equal(0xA2, reply[13]);
                Assert.Equal(new byte[] { 0x02, 0x04, 0x7A, 0x11, 0x05, 0x42 }, reply[15..21]);
                Assert.EndsWith("RawScan lab", Encoding.ASCII.GetString(reply));
            }
            // Connected: the port unreachable comes back as ECONNREFUSED on the read.
            Assert.Equal(1, results["closed 198.18.7.9:1000"].Exit);
            Assert.Equal(PortState.Closed, truth.Expected(Ip("198.18.7.9"), Protocol.Udp, 1000));
            foreach (var key in new[] { "dropped 198.18.0.200:161", "dropped 198.18.7.9:500", "dropped 198.18.3.7:161" })
                Assert.True(results[key].Exit == 124, $"{key}: expected silence (timeout's 124), got exit {results[key].Exit}");
            Assert.Equal(PortState.OpenFiltered, truth.Expected(Ip("198.18.0.200"), Protocol.Udp, 161));
            Assert.Equal(PortState.OpenFiltered, truth.Expected(Ip("198.18.7.9"), Protocol.Udp, 500));

            // The independent witness: what crossed scan0. Every reply's source is the address asked.
            string Replies(string from) => string.Join("\n", capture.Where(l => l.Contains($"IP {from}.") || l.Contains($"IP {from} >")));
            Assert.Contains("198.18.7.9.53 > 198.19.0.2.", Replies("198.18.7.9"));
            Assert.Contains("198.18.255.255.53 > 198.19.0.2.", Replies("198.18.255.255"));
            Assert.Contains("198.18.3.7.53 > 198.19.0.2.", Replies("198.18.3.7"));
            Assert.Contains("198.18.7.9.161 > 198.19.0.2.", Replies("198.18.7.9"));
            Assert.Contains("198.18.0.127.161 > 198.19.0.2.", Replies("198.18.0.127"));
            Assert.Contains("ICMP 198.18.7.9 udp port 1000 unreachable", Replies("198.18.7.9"));
            Assert.DoesNotContain(capture, l => l.Contains(" > 198.19.0.2") && !l.Contains("IP 198.18."));   // nothing from 198.19.0.1
            Assert.Empty(Replies("198.18.0.200"));
            Assert.DoesNotContain(capture, l => l.Contains("198.18.7.9.500 >") || l.Contains("udp port 500"));
            Assert.DoesNotContain(capture, l => l.Contains("198.18.3.7.161 >") || l.Contains("198.18.3.7 udp port 161"));
        }
        finally
        {
            LabManager.Down(name);
        }
        Assert.DoesNotContain(LabSpec.For(name).TargetNamespace, Netns.List());
    }

    private static uint Ip(string s) => Ipv4.TryParse(s, out uint a) ? a : throw new ArgumentException(s);

    /// <summary>
    /// Sends <paramref name="payload"/> from a connected UDP socket in <paramref name="ns"/> and reads one
    /// datagram back. Exit 0 with the reply; 1 when the read is refused (ICMP port unreachable); 124 when
    /// nothing came within 2 s.
    /// </summary>
    private static (int Exit, byte[] Reply) Ask(string ns, string address, int port, byte[] payload)
    {
        string escaped = string.Concat(payload.Select(b => $"\\x{b:x2}"));
        var r = Exec.TryRun(null, ["ip", "netns", "exec", ns, "timeout", "2", "bash", "-c",
            $"set -o pipefail; exec 3<>/dev/udp/{address}/{port}; printf '%b' \"$1\" >&3; dd bs=65536 count=1 <&3 2>/dev/null | od -An -tx1 -v",
            "ask", escaped]);
        var bytes = r.StdOut.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(h => Convert.ToByte(h, 16)).ToArray();
        return (r.ExitCode, bytes);
    }

    /// <summary>tcpdump on the scanner's scan0 while <paramref name="send"/> runs; its one-line decodings.</summary>
    private static string[] CaptureOnScanner(LabInfo lab, string filter, Action send)
    {
        string pcap = Path.Combine(Path.GetTempPath(), $"rawscan-udp-{Guid.NewGuid():N}.pcap");
        var psi = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "netns", "exec", lab.ScannerNamespace, "tcpdump", "-i", lab.ScannerInterface, "-nn", "--immediate-mode", "-U", "-w", pcap, filter })
            psi.ArgumentList.Add(a);
        using var tcpdump = Process.Start(psi)!;
        try
        {
            var ready = Task.Run(() => { string? l; while ((l = tcpdump.StandardError.ReadLine()) is not null) if (l.Contains("listening on")) return true; return false; });
            Assert.True(ready.Wait(TimeSpan.FromSeconds(15)) && ready.Result, "tcpdump did not start listening");
            send();
            Thread.Sleep(300);
            tcpdump.Kill();
            tcpdump.WaitForExit();
            return Exec.Run("tcpdump", "-r", pcap, "-nn", "-t").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
        finally
        {
            if (!tcpdump.HasExited) tcpdump.Kill();
            File.Delete(pcap);
        }
    }
}
