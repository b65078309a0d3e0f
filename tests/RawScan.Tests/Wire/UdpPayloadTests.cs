using System.Buffers.Binary;
using System.Text;
using System.Xml.Linq;
using RawScan.Lab.Internal;
using RawScan.Probes;
using RawScan.Probes.Udp;
using RawScan.Targets;
using RawScan.Transmit;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// The built-in UDP probes: what they send (decoded by tshark, an independent decoder that
/// './run-scan.sh test' installs), what their Check makes of replies built here from the protocols'
/// specifications, and the --udp-payloads table.
/// </summary>
public class UdpPayloadTests
{
    private static readonly uint Src = Ipv4Range.Parse("198.19.0.2").First, Dst = Ipv4Range.Parse("198.18.0.7").First;

    public static TheoryData<string> ProbeNames() => [.. UdpPayloadTable.BuiltIn.Select(b => b.Probe.Name)];

    private static (ushort Port, IUdpProbe Probe) Probe(string name) => UdpPayloadTable.BuiltIn.Single(b => b.Probe.Name == name);

    /// <summary>Edges (all zero, all ones, the sign bit alone or clear) and a few random ones.</summary>
    private static uint[] Cookies()
    {
        var rng = new Random(5905);
        return [0, 0xffffffff, 0x80000000, 0x7fffffff, 0x12345678, .. Enumerable.Range(0, 5).Select(_ => (uint)rng.NextInt64(1L << 32))];
    }

    private static byte[] Payload(IUdpProbe probe, uint cookie)
    {
        var buffer = new byte[UdpTemplate.MaxPayload];
        return buffer.AsSpan(0, probe.Write(buffer, cookie)).ToArray();
    }

    private static string Hex(ReadOnlySpan<byte> b) => Convert.ToHexStringLower(b);
    private static string Hex32(uint v) => v.ToString("x8");

    // ---- what goes on the wire, decoded by tshark ----

    /// <summary>One decoded packet: each field's name with its "show" and "value" attributes from tshark's PDML.</summary>
    private sealed record Decoded(ILookup<string, (string Show, string Value)> Fields)
    {
        public string Show(string name) => Assert.Single(Fields[name]).Show;
        public string Value(string name) => Assert.Single(Fields[name]).Value;
    }

    private static List<Decoded> Tshark(ushort port, IUdpProbe probe, IReadOnlyList<uint> cookies)
    {
        var t = new UdpTemplate(Frames.ScannerMac, Frames.TargetMac, Src);
        string pcap = Path.Combine(Path.GetTempPath(), $"rawscan-udp-{probe.Name}-{Environment.ProcessId}.pcap");
        try
        {
            using (var sink = new PcapFileSink(pcap))
            {
                var batch = new FrameBatch(cookies.Count, UdpTemplate.HeaderLength + UdpTemplate.MaxPayload);
                // A source port each, as a scan's probes have: with one, tshark takes two probes that share
                // a DNS ID (cookies 0 and 0x80000000) for a retransmission and warns.
                for (int i = 0; i < cookies.Count; i++)
                    batch.Commit(t.Write(batch.Next(), Dst, (ushort)(61000 + i), port, (ushort)(cookies[i] >> 16), probe, cookies[i]));
                Assert.Equal(cookies.Count, sink.Send(batch));
            }
            // stderr is ignored unless the exit code says it failed (as root tshark warns about it).
            string pdml = Exec.Run("tshark", "-r", pcap, "-T", "pdml", "-o", "udp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE");
            Assert.DoesNotContain("Malformed", pdml);
            Assert.DoesNotContain("_ws.malformed", pdml);
            Assert.DoesNotContain("Expert Info (Error", pdml);
            Assert.DoesNotContain("Expert Info (Warning", pdml);
            var packets = XDocument.Parse(pdml).Root!.Elements("packet")
                .Select(p => new Decoded(p.Descendants("field").ToLookup(
                    f => (string?)f.Attribute("name") ?? "",
                    f => ((string?)f.Attribute("show") ?? "", (string?)f.Attribute("value") ?? ""))))
                .ToList();
            Assert.Equal(cookies.Count, packets.Count);
            foreach (var p in packets)
            {
                Assert.Equal("1", p.Show("ip.checksum.status"));         // 1: Good
                Assert.Equal("1", p.Show("udp.checksum.status"));
                Assert.Equal(port.ToString(), p.Show("udp.dstport"));
            }
            return packets;
        }
        finally { File.Delete(pcap); }
    }

    /// <summary>version.bind with the case of its letters set from bits 16-26 of the cookie (0x20 encoding).</summary>
    private static string VersionBind(uint cookie)
    {
        var letters = "versionbind".ToCharArray();
        for (int i = 0; i < letters.Length; i++)
            if (((cookie >> 16 >> i) & 1) != 0) letters[i] = char.ToUpperInvariant(letters[i]);
        return new string(letters, 0, 7) + "." + new string(letters, 7, 4);
    }

    [Fact]
    public void TsharkDecodesDns()
    {
        var cookies = Cookies();
        var packets = Tshark(53, DnsProbe.Instance, cookies);
        for (int i = 0; i < cookies.Length; i++)
        {
            var p = packets[i];
            Assert.Contains(":dns", p.Show("frame.protocols"));
            Assert.Equal(Hex32(cookies[i])[4..], p.Value("dns.id"));
            Assert.Equal("0", p.Show("dns.flags.response"));
            Assert.Equal("1", p.Show("dns.count.queries"));
            Assert.Equal(VersionBind(cookies[i]), p.Show("dns.qry.name"));
            Assert.Equal("16", p.Show("dns.qry.type"));                        // TXT
            Assert.Equal("0x0003", p.Show("dns.qry.class"));                    // CH
        }
        Assert.Equal("version.bind", packets[0].Show("dns.qry.name"));
        Assert.Equal("VERSION.BIND", packets[1].Show("dns.qry.name"));
    }

    [Fact]
    public void TsharkDecodesMdns()
    {
        var cookies = Cookies();
        var packets = Tshark(5353, MdnsProbe.Instance, cookies);
        for (int i = 0; i < cookies.Length; i++)
        {
            var p = packets[i];
            Assert.EndsWith(":mdns", p.Show("frame.protocols"));
            Assert.Equal(Hex32(cookies[i])[4..], p.Value("dns.id"));
            Assert.Equal("0", p.Show("dns.flags.response"));
            Assert.Equal("_services._dns-sd._udp.local", p.Show("dns.qry.name"));
            Assert.Equal("12", p.Show("dns.qry.type"));                        // PTR
            Assert.Equal("0x0001", p.Show("dns.qry.class"));                    // IN, QU bit clear
            Assert.Equal("0", p.Show("dns.qry.qu"));
        }
    }

    [Fact]
    public void TsharkDecodesSnmp()
    {
        var cookies = Cookies();
        var packets = Tshark(161, SnmpProbe.Instance, cookies);
        for (int i = 0; i < cookies.Length; i++)
        {
            var p = packets[i];
            Assert.EndsWith(":snmp", p.Show("frame.protocols"));
            Assert.Equal("1", p.Show("snmp.version"));                          // v2c
            Assert.Equal("public", p.Show("snmp.community"));
            Assert.Equal("0", p.Show("snmp.data"));                             // get-request
            long expected = 0x40000000 | (cookies[i] & 0x3fffffff);              // positive, 30 bits of the cookie
            Assert.Equal(expected.ToString(), p.Show("snmp.request_id"));
            Assert.Equal("1.3.6.1.2.1.1.1.0", p.Show("snmp.name"));
            Assert.Single(p.Fields["snmp.value.null"]);
        }
    }

    [Fact]
    public void TsharkDecodesNtp()
    {
        var cookies = Cookies();
        var packets = Tshark(123, NtpProbe.Instance, cookies);
        for (int i = 0; i < cookies.Length; i++)
        {
            var p = packets[i];
            Assert.EndsWith(":ntp", p.Show("frame.protocols"));
            Assert.Equal("3", p.Show("ntp.flags.mode"));                        // client
            Assert.Equal("4", p.Show("ntp.flags.vn"));
            Assert.Equal(Hex32(cookies[i]) + Hex32(~cookies[i]), p.Value("ntp.xmt"));
            Assert.Equal(48, p.Value("udp.payload").Length / 2);
        }
    }

    [Fact]
    public void TsharkDecodesNetBios()
    {
        var cookies = Cookies();
        var packets = Tshark(137, NetBiosProbe.Instance, cookies);
        for (int i = 0; i < cookies.Length; i++)
        {
            var p = packets[i];
            Assert.EndsWith(":nbns", p.Show("frame.protocols"));
            Assert.Equal(Hex32(cookies[i])[4..], p.Value("nbns.id"));
            Assert.Equal("0x0000", p.Show("nbns.flags"));                       // a query, not broadcast
            Assert.Equal("*" + string.Concat(Enumerable.Repeat("<00>", 15)), p.Show("nbns.name"));
            Assert.Equal("33", p.Show("nbns.type"));                            // NBSTAT
        }
    }

    [Fact]
    public void TsharkDecodesSsdp()
    {
        var packets = Tshark(1900, SsdpProbe.Instance, Cookies());
        foreach (var p in packets)
        {
            Assert.EndsWith(":ssdp", p.Show("frame.protocols"));
            Assert.Equal("M-SEARCH", p.Show("http.request.method"));
            Assert.Equal("*", p.Show("http.request.uri"));
            Assert.Equal("HTTP/1.1", p.Show("http.request.version"));
            Assert.Equal("239.255.255.250:1900", p.Show("http.host"));
            var lines = p.Fields["http.request.line"].Select(l => l.Show.TrimEnd()).ToList();
            Assert.Contains("MAN: \"ssdp:discover\"", lines);
            Assert.Contains("MX: 1", lines);
            Assert.Contains("ST: ssdp:all", lines);
        }
    }

    [Fact]
    public void TsharkDecodesSip()
    {
        var cookies = Cookies();
        var packets = Tshark(5060, SipProbe.Instance, cookies);
        for (int i = 0; i < cookies.Length; i++)
        {
            var p = packets[i];
            string hex = Hex32(cookies[i]);
            Assert.EndsWith(":sip", p.Show("frame.protocols"));
            Assert.Equal("OPTIONS", p.Show("sip.Method"));
            Assert.Equal(hex + "@rawscan.invalid", p.Show("sip.Call-ID"));
            Assert.Equal("z9hG4bK" + hex, p.Show("sip.Via.branch"));
            Assert.Equal(hex, p.Show("sip.from.tag"));
            Assert.Equal("rport", p.Show("sip.Via.rport"));
            Assert.Equal("1 OPTIONS", p.Show("sip.CSeq"));
            Assert.Equal("0", p.Show("sip.Max-Forwards"));
        }
    }

    [Fact]
    public void TsharkDecodesPortmap()
    {
        var cookies = Cookies();
        var packets = Tshark(111, PortmapProbe.Instance, cookies);
        for (int i = 0; i < cookies.Length; i++)
        {
            var p = packets[i];
            Assert.EndsWith(":rpc", p.Show("frame.protocols"));                 // NULL has no portmap body: the program says it
            Assert.Equal(Hex32(cookies[i]), p.Value("rpc.xid"));
            Assert.Equal("0", p.Show("rpc.msgtyp"));                            // CALL
            Assert.Equal("2", p.Show("rpc.version"));
            Assert.Equal("100000", p.Show("rpc.program"));
            Assert.Equal("2", p.Fields["rpc.programversion"].First().Show);
            Assert.Equal("0", p.Show("rpc.procedure"));                         // NULL
            Assert.All(p.Fields["rpc.auth.flavor"], f => Assert.Equal("0", f.Show)); // AUTH_NULL
        }
    }

    /// <summary>tshark 4.0's memcache dissector does not know the UDP frame header: its bytes are checked raw.</summary>
    [Fact]
    public void TsharkDecodesMemcached()
    {
        var cookies = Cookies();
        var packets = Tshark(11211, MemcachedProbe.Instance, cookies);
        for (int i = 0; i < cookies.Length; i++)
        {
            var p = packets[i];
            Assert.EndsWith(":memcache", p.Show("frame.protocols"));
            Assert.Equal(Hex32(cookies[i])[4..] + "0000" + "0001" + "0000" + Hex("version\r\n"u8), p.Value("udp.payload"));
        }
    }

    [Theory, MemberData(nameof(ProbeNames))]
    public void WriteIsDeterministicAndOneLengthForEveryCookie(string name)
    {
        var (_, probe) = Probe(name);
        int length = Payload(probe, 0).Length;
        Assert.InRange(length, 1, UdpTemplate.MaxPayload);
        foreach (uint c in Cookies())
        {
            var a = Payload(probe, c);
            Assert.Equal(length, a.Length);      // the send loop sizes its batch stride from cookie 0
            Assert.Equal(a, Payload(probe, c));
        }
    }

    // ---- replies, built here from the specifications ----

    private static byte[] DnsName(string name)
    {
        var b = new List<byte>();
        foreach (var label in name.Split('.')) { b.Add((byte)label.Length); b.AddRange(Encoding.ASCII.GetBytes(label)); }
        b.Add(0);
        return [.. b];
    }

    /// <summary>RFC 1035 section 4.1: a response with the question and one answer record (a pointer to the question's name).</summary>
    private static byte[] DnsReply(ushort id, string? qname, ushort qtype, ushort qclass, byte[] rdata, ushort flags = 0x8400)
    {
        var b = new List<byte>();
        void U16(int v) { b.Add((byte)(v >> 8)); b.Add((byte)v); }
        U16(id); U16(flags); U16(qname is null ? 0 : 1); U16(1); U16(0); U16(0);
        if (qname is not null) { b.AddRange(DnsName(qname)); U16(qtype); U16(qclass); }
        if (qname is not null) U16(0xc00c); else b.AddRange(DnsName("x"));
        U16(qtype); U16(qclass); U16(0); U16(120); U16(rdata.Length); b.AddRange(rdata);
        return [.. b];
    }

    private static byte[] Txt(string s) => [(byte)s.Length, .. Encoding.ASCII.GetBytes(s)];

    [Fact]
    public void DnsCheckProvesIdAndLetterCase()
    {
        var dns = DnsProbe.Instance;
        foreach (uint c in Cookies())
        {
            ushort id = (ushort)c;
            string name = VersionBind(c);
            Assert.Equal(EchoCheck.Proved, dns.Check(DnsReply(id, name, 16, 3, Txt("9.18.24")), c));
            Assert.Equal(EchoCheck.Proved, dns.Check(DnsReply(id, name, 16, 3, [], flags: 0x8005), c));   // REFUSED: an answer all the same
            Assert.Equal(EchoCheck.Refuted, dns.Check(DnsReply((ushort)(id ^ 1), name, 16, 3, Txt("9.18.24")), c));
            // The same ID with one letter's case flipped: the other 11 bits of the cookie disagree.
            string flipped = name[..3] + (char)(name[3] ^ 0x20) + name[4..];
            Assert.Equal(EchoCheck.Refuted, dns.Check(DnsReply(id, flipped, 16, 3, Txt("9.18.24")), c));
            Assert.Equal(EchoCheck.Refuted, dns.Check(DnsReply(id, "version.bind.x", 16, 3, Txt("9")), c));
            Assert.Equal(EchoCheck.Refuted, dns.Check(DnsReply(id, name, 16, 1, Txt("9")), c));           // class IN, not CH
            Assert.Equal(EchoCheck.Refuted, dns.Check(Payload(dns, c), c));                             // our query reflected: QR = 0
            Assert.Equal(EchoCheck.Unverifiable, dns.Check(DnsReply(id, null, 16, 3, [], flags: 0x8001), c)); // FORMERR without the question
            Assert.Equal(EchoCheck.Refuted, dns.Check(DnsReply(id, null, 16, 3, [], flags: 0x8001)[..11], c));
            Assert.Equal(EchoCheck.Refuted, dns.Check("SSH-2.0-OpenSSH_9.2\r\n"u8, c));
            Assert.Equal(EchoCheck.Refuted, dns.Check([], c));
        }
    }

    [Fact]
    public void MdnsCheckProvesIdAndQuestion()
    {
        var mdns = MdnsProbe.Instance;
        const string name = "_services._dns-sd._udp.local";
        foreach (uint c in Cookies())
        {
            ushort id = (ushort)c;
            byte[] ptr = DnsName("_http._tcp.local");
            Assert.Equal(EchoCheck.Proved, mdns.Check(DnsReply(id, name, 12, 1, ptr), c));
            Assert.Equal(EchoCheck.Proved, mdns.Check(DnsReply(id, name.ToUpperInvariant(), 12, 1, ptr), c));   // names compare without case
            Assert.Equal(EchoCheck.Proved, mdns.Check(DnsReply(id, name, 12, 0x8001, ptr), c));                 // top bit of the class ignored
            Assert.Equal(EchoCheck.Refuted, mdns.Check(DnsReply((ushort)(id + 1), name, 12, 1, ptr), c));
            Assert.Equal(EchoCheck.Refuted, mdns.Check(DnsReply(id, "_services._dns-sd._tcp.local", 12, 1, ptr), c));
            Assert.Equal(EchoCheck.Refuted, mdns.Check(DnsReply(id, name, 16, 1, ptr), c));
            Assert.Equal(EchoCheck.Refuted, mdns.Check(Payload(mdns, c), c));
        }
    }

    /// <summary>BER (X.690): tag, definite length (long form when asked, or when needed), contents.</summary>
    private static byte[] Tlv(byte tag, byte[] contents, bool longForm = false)
    {
        byte[] length = contents.Length < 128 && !longForm ? [(byte)contents.Length]
            : contents.Length < 256 ? [0x81, (byte)contents.Length] : [0x82, (byte)(contents.Length >> 8), (byte)contents.Length];
        return [tag, .. length, .. contents];
    }

    private static byte[] Seq(bool longForm, params byte[][] parts) => Tlv(0x30, [.. parts.SelectMany(p => p)], longForm);

    /// <summary>Minimal two's complement (X.690 section 8.3.2).</summary>
    private static byte[] Integer(long v)
    {
        var b = new List<byte>();
        do { b.Insert(0, (byte)v); v >>= 8; } while (!(v == 0 && b[0] < 0x80 || v == -1 && b[0] >= 0x80));
        return Tlv(0x02, [.. b]);
    }

    private static byte[] SnmpResponse(long requestId, byte pduTag = 0xA2, bool longForm = false, string community = "public")
    {
        byte[] oid = Tlv(0x06, [0x2B, 6, 1, 2, 1, 1, 1, 0]);
        byte[] value = Tlv(0x04, Encoding.ASCII.GetBytes("Linux target 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 x86_64"));
        byte[] pdu = Tlv(pduTag, [.. Integer(requestId), .. Integer(0), .. Integer(0), .. Seq(longForm, Seq(longForm, oid, value))], longForm);
        return Seq(longForm, Integer(1), Tlv(0x04, Encoding.ASCII.GetBytes(community)), pdu);
    }

    [Fact]
    public void SnmpCheckProvesRequestId()
    {
        var snmp = SnmpProbe.Instance;
        foreach (uint c in Cookies())
        {
            long id = 0x40000000 | (c & 0x3fffffff);
            Assert.Equal(EchoCheck.Proved, snmp.Check(SnmpResponse(id), c));
            Assert.Equal(EchoCheck.Proved, snmp.Check(SnmpResponse(id, longForm: true), c));
            Assert.Equal(EchoCheck.Proved, snmp.Check(SnmpResponse(id, community: "a community longer than one hundred and twenty-seven bytes, so its length takes the long form: .........................."), c));
            Assert.Equal(EchoCheck.Refuted, snmp.Check(SnmpResponse(id ^ 0x100), c));
            if ((c & 0xc0000000) != 0x40000000) Assert.Equal(EchoCheck.Refuted, snmp.Check(SnmpResponse(c), c)); // the raw cookie is not the request-id
            Assert.Equal(EchoCheck.Refuted, snmp.Check(SnmpResponse(id - (1L << 32)), c));                   // the same low 32 bits, negative
            Assert.Equal(EchoCheck.Refuted, snmp.Check(SnmpResponse(id, pduTag: 0xA0), c));                  // a GetRequest, not a Response
            Assert.Equal(EchoCheck.Refuted, snmp.Check(Payload(snmp, c), c));
            var r = SnmpResponse(id);
            Assert.Equal(EchoCheck.Refuted, snmp.Check(r[..^1], c));                                        // outer length runs past the end
            r[1] = 0x80;                                                                                    // indefinite length: not in SNMP
            Assert.Equal(EchoCheck.Refuted, snmp.Check(r, c));
        }
    }

    private static byte[] NtpReply(uint cookie, byte mode = 4, bool echo = true)
    {
        var r = new byte[48];
        r[0] = (byte)(4 << 3 | mode);
        r[1] = 2;                                                            // stratum
        BinaryPrimitives.WriteUInt32BigEndian(r.AsSpan(12), 0xC0000201);     // reference id
        if (echo) BinaryPrimitives.WriteUInt64BigEndian(r.AsSpan(24), (ulong)cookie << 32 | ~cookie);
        BinaryPrimitives.WriteUInt64BigEndian(r.AsSpan(32), 0xEA00000012345678);
        BinaryPrimitives.WriteUInt64BigEndian(r.AsSpan(40), 0xEA00000012345999);
        return r;
    }

    [Fact]
    public void NtpCheckProvesOriginTimestamp()
    {
        var ntp = NtpProbe.Instance;
        foreach (uint c in Cookies())
        {
            Assert.Equal(EchoCheck.Proved, ntp.Check(NtpReply(c), c));
            Assert.Equal(EchoCheck.Proved, ntp.Check([.. NtpReply(c), .. new byte[20]], c));    // a MAC after the header
            Assert.Equal(EchoCheck.Refuted, ntp.Check(NtpReply(c ^ 0x80000000), c));
            Assert.Equal(EchoCheck.Refuted, ntp.Check(NtpReply(c, echo: false), c));
            Assert.Equal(EchoCheck.Refuted, ntp.Check(NtpReply(c, mode: 3), c));
            Assert.Equal(EchoCheck.Refuted, ntp.Check(NtpReply(c)[..47], c));
            Assert.Equal(EchoCheck.Refuted, ntp.Check(Payload(ntp, c), c));
        }
    }

    /// <summary>RFC 1002 section 4.2.18: NODE STATUS RESPONSE with one name in its table.</summary>
    private static byte[] NbstatResponse(ushort id, ushort flags = 0x8400)
    {
        var b = new List<byte>();
        void U16(int v) { b.Add((byte)(v >> 8)); b.Add((byte)v); }
        U16(id); U16(flags); U16(0); U16(1); U16(0); U16(0);
        b.Add(32); b.AddRange("CKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"u8.ToArray()); b.Add(0);
        U16(0x21); U16(1); U16(0); U16(0);
        byte[] entry = [.. "TARGET         "u8.ToArray(), 0x00, 0x04, 0x00];
        U16(1 + entry.Length + 6); b.Add(1); b.AddRange(entry); b.AddRange(new byte[6]);
        return [.. b];
    }

    [Fact]
    public void NetBiosCheckProvesTransactionId()
    {
        var nb = NetBiosProbe.Instance;
        foreach (uint c in Cookies())
        {
            Assert.Equal(EchoCheck.Proved, nb.Check(NbstatResponse((ushort)c), c));
            Assert.Equal(EchoCheck.Refuted, nb.Check(NbstatResponse((ushort)~c), c));
            Assert.Equal(EchoCheck.Refuted, nb.Check(NbstatResponse((ushort)c, flags: 0x0000), c));   // not a response
            Assert.Equal(EchoCheck.Refuted, nb.Check(Payload(nb, c), c));
            Assert.Equal(EchoCheck.Refuted, nb.Check(NbstatResponse((ushort)c)[..11], c));
        }
    }

    [Fact]
    public void SsdpCheckIsUnverifiable()
    {
        var ssdp = SsdpProbe.Instance;
        var ok = "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\nLOCATION: http://198.18.0.7:49152/rootDesc.xml\r\nSERVER: Linux/6.1 UPnP/1.1 MiniUPnPd/2.3\r\nST: upnp:rootdevice\r\nUSN: uuid:00000000-0000-0000-0000-000000000000::upnp:rootdevice\r\n\r\n"u8.ToArray();
        foreach (uint c in Cookies())
        {
            Assert.Equal(EchoCheck.Unverifiable, ssdp.Check(ok, c));
            Assert.Equal(EchoCheck.Unverifiable, ssdp.Check([0xde, 0xad], c));
            Assert.Equal(EchoCheck.Unverifiable, ssdp.Check([], c));
        }
    }

    private static byte[] MemcachedReply(ushort id, ushort sequence = 0, ushort count = 1, string body = "VERSION 1.6.21\r\n")
    {
        var r = new byte[8 + body.Length];
        BinaryPrimitives.WriteUInt16BigEndian(r, id);
        BinaryPrimitives.WriteUInt16BigEndian(r.AsSpan(2), sequence);
        BinaryPrimitives.WriteUInt16BigEndian(r.AsSpan(4), count);
        Encoding.ASCII.GetBytes(body).CopyTo(r, 8);
        return r;
    }

    [Fact]
    public void MemcachedCheckProvesRequestId()
    {
        var mc = MemcachedProbe.Instance;
        foreach (uint c in Cookies())
        {
            Assert.Equal(EchoCheck.Proved, mc.Check(MemcachedReply((ushort)c), c));
            Assert.Equal(EchoCheck.Proved, mc.Check(MemcachedReply((ushort)c, 1, 2, "5\r\nEND\r\n"), c));
            Assert.Equal(EchoCheck.Refuted, mc.Check(MemcachedReply((ushort)~c), c));
            Assert.Equal(EchoCheck.Refuted, mc.Check(MemcachedReply((ushort)c, 1, 1), c));     // sequence past the count
            Assert.Equal(EchoCheck.Refuted, mc.Check(MemcachedReply((ushort)c)[..7], c));
            var reflected = new byte[MemcachedProbe.Length];                               // our request, mirrored back
            mc.Write(reflected, c);
            Assert.Equal(EchoCheck.Refuted, mc.Check(reflected, c));
        }
    }

    private static byte[] SipResponse(string callId, string callIdHeader = "Call-ID", string status = "200 OK") => Encoding.ASCII.GetBytes(
        $"SIP/2.0 {status}\r\n" +
        "Via: SIP/2.0/UDP rawscan.invalid;branch=z9hG4bK00000000;rport=61000;received=198.19.0.2\r\n" +
        "From: <sip:rawscan@rawscan.invalid>;tag=00000000\r\n" +
        "To: <sip:rawscan@rawscan.invalid>;tag=as5a1c\r\n" +
        $"{callIdHeader}: {callId}\r\n" +
        "CSeq: 1 OPTIONS\r\n" +
        "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE\r\n" +
        "Content-Length: 0\r\n\r\n");

    [Fact]
    public void SipCheckProvesCallId()
    {
        var sip = SipProbe.Instance;
        foreach (uint c in Cookies())
        {
            string ours = Hex32(c) + "@rawscan.invalid";
            Assert.Equal(EchoCheck.Proved, sip.Check(SipResponse(ours), c));
            Assert.Equal(EchoCheck.Proved, sip.Check(SipResponse(ours, "i"), c));                  // compact form
            Assert.Equal(EchoCheck.Proved, sip.Check(SipResponse(ours, "call-id ", "483 Too Many Hops"), c));
            Assert.Equal(EchoCheck.Refuted, sip.Check(SipResponse(Hex32(~c) + "@rawscan.invalid"), c));
            if (ours != ours.ToUpperInvariant()) Assert.Equal(EchoCheck.Refuted, sip.Check(SipResponse(ours.ToUpperInvariant()), c)); // byte for byte
            Assert.Equal(EchoCheck.Refuted, sip.Check(SipResponse(ours, "X-Call-ID"), c));           // no Call-ID at all
            Assert.Equal(EchoCheck.Refuted, sip.Check(Payload(sip, c), c));                           // a request, not a response
            var body = SipResponse(ours);
            Assert.Equal(EchoCheck.Refuted, sip.Check(body[..Array.IndexOf(body, (byte)'C', 100)], c)); // cut before the Call-ID
        }
    }

    /// <summary>RFC 5531 section 9: a REPLY, MSG_ACCEPTED, AUTH_NULL verifier, SUCCESS.</summary>
    private static byte[] RpcReply(uint xid, uint msgType = 1)
    {
        var r = new byte[24];
        BinaryPrimitives.WriteUInt32BigEndian(r, xid);
        BinaryPrimitives.WriteUInt32BigEndian(r.AsSpan(4), msgType);
        return r;                                                           // reply_stat, verifier and accept_stat all 0
    }

    [Fact]
    public void PortmapCheckProvesXid()
    {
        var pm = PortmapProbe.Instance;
        foreach (uint c in Cookies())
        {
            Assert.Equal(EchoCheck.Proved, pm.Check(RpcReply(c), c));
            Assert.Equal(EchoCheck.Refuted, pm.Check(RpcReply(c ^ 1), c));
            Assert.Equal(EchoCheck.Refuted, pm.Check(RpcReply(c, msgType: 0), c));
            Assert.Equal(EchoCheck.Refuted, pm.Check(Payload(pm, c), c));
            Assert.Equal(EchoCheck.Refuted, pm.Check(RpcReply(c)[..11], c));
        }
    }

    /// <summary>A proving reply for each probe (SSDP: an answer), for the fuzz and allocation tests.</summary>
    private static byte[] GoodReply(string name, uint c) => name switch
    {
        "dns" => DnsReply((ushort)c, VersionBind(c), 16, 3, Txt("9.18.24")),
        "mdns" => DnsReply((ushort)c, "_services._dns-sd._udp.local", 12, 1, DnsName("_http._tcp.local")),
        "snmp" => SnmpResponse(0x40000000 | (c & 0x3fffffff)),
        "ntp" => NtpReply(c),
        "netbios" => NbstatResponse((ushort)c),
        "ssdp" => "HTTP/1.1 200 OK\r\nST: ssdp:all\r\n\r\n"u8.ToArray(),
        "sip" => SipResponse(Hex32(c) + "@rawscan.invalid"),
        "portmap" => RpcReply(c),
        "memcached" => MemcachedReply((ushort)c),
        _ => throw new ArgumentException(name),
    };

    [Theory, MemberData(nameof(ProbeNames))]
    public void GoodReplyIsProvedOrUnverifiableForSsdp(string name)
    {
        var (_, probe) = Probe(name);
        foreach (uint c in Cookies())
            Assert.Equal(name == "ssdp" ? EchoCheck.Unverifiable : EchoCheck.Proved, probe.Check(GoodReply(name, c), c));
    }

    /// <summary>Random datagrams, every truncation of a good reply and every one-byte change to it: Check never throws.</summary>
    [Theory, MemberData(nameof(ProbeNames))]
    public void CheckNeverThrowsOnGarbage(string name)
    {
        var (_, probe) = Probe(name);
        var rng = new Random(name.Length * 7919 + name[0]);
        var buffer = new byte[600];
        for (int i = 0; i < 10_000; i++)
        {
            var reply = buffer.AsSpan(0, rng.Next(0, 601));
            rng.NextBytes(reply);
            probe.Check(reply, (uint)rng.NextInt64(1L << 32));
        }
        uint c = 0x9abcdef0;
        var good = GoodReply(name, c);
        for (int n = 0; n <= good.Length; n++) probe.Check(good.AsSpan(0, n), c);
        for (int at = 0; at < good.Length; at++)
            foreach (byte v in new byte[] { 0x00, 0x7f, 0x80, 0x81, 0x84, 0xff })
            {
                var mutated = (byte[])good.Clone();
                mutated[at] = v;
                probe.Check(mutated, c);
            }
    }

    // ---- no allocation on the send path ----

    [Theory, MemberData(nameof(ProbeNames))]
    public void WriteAndCheckAllocateNothing(string name)
    {
        var (port, probe) = Probe(name);
        var t = new UdpTemplate(Frames.ScannerMac, Frames.TargetMac, Src);
        var frame = new byte[UdpTemplate.HeaderLength + UdpTemplate.MaxPayload];
        var reply = GoodReply(name, 77);
        probe.Write(frame, 1);                                      // warm-up: static constructors, first JIT
        t.Write(frame, Dst, 61000, port, 1, probe, 1);
        probe.Check(reply, 77);

        Allocation.AssertNothing(() =>
        {
            int n = 0;
            for (uint i = 0; i < 10_000; i++) n += probe.Write(frame, i * 2654435761);
            for (uint i = 0; i < 10_000; i++) n += t.Write(frame, Dst + i, 61000, port, (ushort)i, probe, i);
            for (uint i = 0; i < 10_000; i++) n += (int)probe.Check(reply, 77);
            return n;
        });
    }

    // ---- the port table and --udp-payloads ----

    [Fact]
    public void DefaultMapsWellKnownPortsAndNothingElse()
    {
        var d = UdpPayloadTable.Default;
        var expected = new Dictionary<ushort, string>
        {
            [7] = "echo", [9] = "line", [13] = "line", [17] = "line", [19] = "line", [37] = "line",
            [53] = "dns", [111] = "portmap", [123] = "ntp", [137] = "netbios", [161] = "snmp",
            [1900] = "ssdp", [5060] = "sip", [5353] = "mdns", [11211] = "memcached",
        };
        foreach (var (port, name) in expected) Assert.Equal(name, d.For(port).Name);
        Assert.Equal(expected.Keys.Order(), d.Ports);
        foreach (ushort port in new ushort[] { 0, 1, 52, 54, 162, 1024, 65535 }) Assert.Same(EmptyUdpProbe.Instance, d.For(port));
        Assert.Equal(UdpPayloadTable.BuiltIn.Count, UdpPayloadTable.BuiltIn.Select(b => b.Probe.Name).Distinct().Count());
        Assert.Empty(UdpPayloadTable.Empty.Ports);
    }

    private static string TempFile(string text)
    {
        string path = Path.Combine(Path.GetTempPath(), $"rawscan-udp-payloads-{Environment.ProcessId}-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, text);
        return path;
    }

    private static UdpPayloadTable LoadText(string text, UdpPayloadTable? over = null)
    {
        string path = TempFile(text);
        try { return UdpPayloadTable.Load(path, over); }
        finally { File.Delete(path); }
    }

    private static byte[] Bytes(IUdpProbe probe) => Payload(probe, 0x1234);

    [Fact]
    public void LoadParsesEscapesRangesCommentsAndConcatenation()
    {
        var table = LoadText("""
            # payloads for the lab
            udp 7000-7002,9999 "ab\x00\xFf" "\r\n\t\\\"#not a comment"   # a comment
               
            udp 53  ""
            	udp 12345 "é" "" "z"
            udp 0,65535 "\x41"#tight comment
            """);
        byte[] first = [(byte)'a', (byte)'b', 0x00, 0xff, (byte)'\r', (byte)'\n', (byte)'\t', (byte)'\\', (byte)'"', .. "#not a comment"u8];
        foreach (ushort p in new ushort[] { 7000, 7001, 7002, 9999 })
        {
            Assert.Equal("user", table.For(p).Name);
            Assert.Equal(first, Bytes(table.For(p)));
        }
        Assert.Same(EmptyUdpProbe.Instance, table.For(7003));
        Assert.Equal("user", table.For(53).Name);                            // replaces the built-in DNS probe
        Assert.Empty(Bytes(table.For(53)));
        Assert.Equal([0xc3, 0xa9, (byte)'z'], Bytes(table.For(12345)));      // UTF-8
        Assert.Equal([0x41], Bytes(table.For(0)));
        Assert.Equal([0x41], Bytes(table.For(65535)));
        Assert.Equal("snmp", table.For(161).Name);                           // over Default unless told otherwise
        Assert.Equal(EchoCheck.Unverifiable, table.For(9999).Check(first, 0x1234));
        Assert.Same(DnsProbe.Instance, UdpPayloadTable.Default.For(53));     // Default itself is untouched

        var alone = LoadText("udp 9 \"x\"\n", UdpPayloadTable.Empty);
        Assert.Equal([(ushort)9], alone.Ports);
        Assert.Same(EmptyUdpProbe.Instance, alone.For(161));
    }

    [Fact]
    public void UserPayloadAllocatesNothingAndFitsTheTemplate()
    {
        var probe = LoadText("udp 9 \"" + string.Concat(Enumerable.Repeat("\\x5a", UdpTemplate.MaxPayload)) + "\"").For(9);
        var t = new UdpTemplate(Frames.ScannerMac, Frames.TargetMac, Src);
        var frame = new byte[UdpTemplate.HeaderLength + UdpTemplate.MaxPayload];
        Assert.Equal(1514, t.Write(frame, Dst, 61000, 9, 1, probe, 1));
        Allocation.AssertNothing(() =>
        {
            int n = 0;
            for (uint i = 0; i < 10_000; i++) n += t.Write(frame, Dst, 61000, 9, 1, probe, i);
            return n;
        });
    }

    public static TheoryData<string, string, string> BadLines() => new()
    {
        { "udp 99999 \"x\"", "99999", "port numbers go from 0 to 65535" },
        { "udp 53,70000-70001 \"x\"", "70000-70001", "port numbers go from 0 to 65535" },
        { "udp 10-5 \"x\"", "10-5", "the range runs backwards" },
        { "udp 5x \"x\"", "5x", "not a port number or range" },
        { "udp -5 \"x\"", "-5", "not a port number or range" },
        { "udp 53,,54 \"x\"", "53,,54", "empty item in the port list" },
        { "udp \"x\"", "udp \"x\"", "expected a port list after 'udp'" },
        { "udp 53 \"abc", "\"abc", "unterminated string: no closing quote" },
        { "udp 53 \"abc\\\"", "\"abc\\\"", "unterminated string: no closing quote" },
        { "udp 53 \"a\\qb\"", "\\q", "unknown escape: use \\xHH, \\r, \\n, \\t, \\\\ or \\\"" },
        { "udp 53 \"\\x4\"", "\\x4\"", "\\x takes two hex digits" },
        { "udp 53 \"\\xg0\"", "\\xg0", "\\x takes two hex digits" },
        { "tcp 80 \"x\"", "tcp", "unknown protocol: each line starts with 'udp'" },
        { "UDP 80 \"x\"", "UDP", "unknown protocol: each line starts with 'udp'" },
        { "udp 53", "udp 53", "no payload: expected one or more quoted strings after the ports" },
        { "udp 53 # no payload", "udp 53 # no payload", "no payload: expected one or more quoted strings after the ports" },
        { "udp 53 \"x\" junk", "junk", "expected a quoted string" },
    };

    [Theory, MemberData(nameof(BadLines))]
    public void LoadRejectsBadLinesNamingTheToken(string line, string token, string reason)
    {
        string path = TempFile("# first line fine\nudp 1 \"ok\"\n" + line + "\n");
        try
        {
            var e = Assert.Throws<BadInputException>(() => UdpPayloadTable.Load(path));
            Assert.Equal($"udp payloads file ({path} line 3)", e.What);
            Assert.Equal(token, e.Token);
            Assert.Equal(reason, e.Reason);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void LoadRejectsAPortGivenTwiceAndAPayloadTooLong()
    {
        var e = Assert.Throws<BadInputException>(() => LoadText("udp 53 \"a\"\nudp 50-60 \"b\"\n"));
        Assert.EndsWith("line 2)", e.What);
        Assert.Equal("50-60", e.Token);
        Assert.Equal("port 53 already has a payload (line 1)", e.Reason);

        string tooLong = "udp 9 \"" + new string('z', UdpTemplate.MaxPayload) + "\" \"!\"";
        e = Assert.Throws<BadInputException>(() => LoadText(tooLong));
        Assert.Equal("9", e.Token);
        Assert.Equal($"the payload is {UdpTemplate.MaxPayload + 1} bytes; at most {UdpTemplate.MaxPayload} fit one frame", e.Reason);
    }

    [Fact]
    public void LoadOfAMissingFileSaysSo()
    {
        string path = Path.Combine(Path.GetTempPath(), $"rawscan-no-such-file-{Guid.NewGuid():N}");
        var e = Assert.Throws<BadInputException>(() => UdpPayloadTable.Load(path));
        Assert.Equal("udp payloads file", e.What);
        Assert.Equal(path, e.Token);
        Assert.Equal("no such file", e.Reason);
        Assert.Equal($"bad udp payloads file '{path}': no such file", e.Message);
    }
}
