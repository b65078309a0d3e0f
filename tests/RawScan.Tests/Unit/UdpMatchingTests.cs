using System.Buffers.Binary;
using RawScan.Match;
using RawScan.Probes;
using RawScan.Receive;
using RawScan.Results;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

public class UdpMatchingTests
{
    private static readonly uint Me = Ipv4Range.Parse("198.19.0.2").First;
    private static readonly uint Target = Ipv4Range.Parse("198.18.4.5").First;
    private static readonly SynCookie Cookie = new(42, 4242);

    /// <summary>A stand-in protocol: echoes the cookie's low 16 bits in its first two bytes (port 7), or nothing (port 9).</summary>
    private sealed class EchoProbe : IUdpProbe
    {
        public string Name => "echo";
        public int Write(Span<byte> payload, uint cookie) { BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)cookie); payload[2] = 0x55; return 3; }
        public EchoCheck Check(ReadOnlySpan<byte> reply, uint cookie) =>
            reply.Length >= 2 && BinaryPrimitives.ReadUInt16BigEndian(reply) == (ushort)cookie ? EchoCheck.Proved : EchoCheck.Refuted;
    }

    private sealed class Payloads : IUdpPayloads
    {
        public IUdpProbe For(ushort port) => port == 7 ? new EchoProbe() : EmptyUdpProbe.Instance;
    }

    private static readonly ProbeBuilder Probes = new(new TcpTemplate(Frames.ScannerMac, Frames.TargetMac, Me), Cookie,
        new UdpTemplate(Frames.ScannerMac, Frames.TargetMac, Me), new Payloads());
    private static readonly ReplyMatcher Matcher = new(Probes, new SourcePorts(61000, 65535));

    private static byte[] Udp(uint src, ushort sport, ushort dport, byte[] payload) => Frames.Udp(src, Me, sport, dport, payload);

    /// <summary>An ICMP error from the target, quoting the UDP probe we sent to Target:dport (first 8 bytes of UDP, as RFC 792 asks, unless told otherwise).</summary>
    private static byte[] IcmpFor(ushort dport, byte code, ushort sport = 61001, ushort? checksum = null,
        int ipOptions = 0, bool vlan = false, int quotedBytes = 8)
    {
        var probe = new byte[UdpTemplate.HeaderLength + UdpTemplate.MaxPayload];
        int n = Probes.Write(probe, Target, sport, dport, Protocol.Udp);
        if (checksum is { } c) BinaryPrimitives.WriteUInt16BigEndian(probe.AsSpan(UdpTemplate.UdpOffset + 6), c);
        return Frames.IcmpUnreachable(Target, Me, code, Frames.Quote(probe[..n], quotedBytes), ipOptions, vlan);
    }

    private static (MatchOutcome, PortResult, bool) Judge(byte[] f)
    {
        Assert.True(Packet.TryParse(f, out var p));
        var o = Matcher.Match(p, f, out var r, out _, out bool proved, 0);
        return (o, r, proved);
    }

    [Fact]
    public void EchoedCookieProvesAReplyAndConfirmsTheService()
    {
        ushort c = (ushort)Cookie.Compute(Me, Target, 61001, 7, 17);
        // Plain, with IP options, under a VLAN tag, and both.
        foreach (var (opts, vlan) in new[] { (0, false), (8, false), (0, true), (40, true) })
        {
            var (o, r, proved) = Judge(Frames.Udp(Target, Me, 7, 61001, [(byte)(c >> 8), (byte)c, 1], opts, vlan));
            Assert.Equal((MatchOutcome.Result, true), (o, proved));
            Assert.Equal(new PortResult(Target, Protocol.Udp, 7, PortState.Open, 64, 0, PortReason.ProtoResponse), r);
        }
    }

    /// <summary>
    /// As for TCP, the echo proves a UDP reply, not its checksum: a datagram whose UDP checksum
    /// PacketDotNet rejects is judged on what it says, one that says nothing is left to the table.
    /// </summary>
    [Fact]
    public void AUdpChecksumIsNotWhatProvesAReply()
    {
        ushort c = (ushort)Cookie.Compute(Me, Target, 61001, 7, 17);
        foreach (var (payload, proves) in new[] { (new byte[] { (byte)(c >> 8), (byte)c, 1 }, true), ([(byte)(c >> 8), (byte)(c + 1), 1], false) })
        {
            var f = Udp(Target, 7, 61001, payload);
            f[14 + 20 + 6] ^= 0x81;                                          // the UDP checksum
            Assert.False(FrameDecoder.Ipv4<PacketDotNet.UdpPacket>(f).Transport.ValidUdpChecksum);
            var (o, r, proved) = Judge(f);
            Assert.Equal((MatchOutcome.Result, proves), (o, proved));
            Assert.Equal(proves ? PortReason.ProtoResponse : PortReason.UdpResponse, r.Reason);
        }
    }

    /// <summary>
    /// nmap's rule: a datagram from the probed port is an open port whatever it says (an echo service
    /// on 161 reflects our SNMP request). Without the echo it proves nothing: the table must vouch.
    /// </summary>
    [Fact]
    public void AReplyThatDoesNotEchoTheCookieIsStillAnAnswerLeftToTheTable()
    {
        ushort c = (ushort)Cookie.Compute(Me, Target, 61001, 7, 17);
        foreach (var f in new[] { Udp(Target, 7, 61001, [(byte)(c >> 8), (byte)(c + 1), 1]), Udp(Target, 7, 61002, [(byte)(c >> 8), (byte)c, 1]) })
        {
            var (o, r, proved) = Judge(f);
            Assert.Equal((MatchOutcome.Result, false), (o, proved));
            Assert.Equal((PortState.Open, PortReason.UdpResponse), (r.State, r.Reason));
        }
    }

    /// <summary>An echo service bound to 161 or 53 sends our own request back: nmap calls that port open, and so do we.</summary>
    [Theory]
    [InlineData(161)]
    [InlineData(53)]
    [InlineData(123)]
    public void AReflectedProtocolProbeIsAnOpenPortLeftToTheTable(ushort port)
    {
        var probes = new ProbeBuilder(new TcpTemplate(Frames.ScannerMac, Frames.TargetMac, Me), Cookie,
            new UdpTemplate(Frames.ScannerMac, Frames.TargetMac, Me), UdpPayloadTable.Default);
        var matcher = new ReplyMatcher(probes, new SourcePorts(61000, 65535));
        var sent = new byte[UdpTemplate.HeaderLength + UdpTemplate.MaxPayload];
        int n = probes.Write(sent, Target, 61001, port, Protocol.Udp);
        var reflected = Udp(Target, port, 61001, sent[UdpTemplate.HeaderLength..n]);
        Assert.True(Packet.TryParse(reflected, out var p));
        Assert.Equal(MatchOutcome.Result, matcher.Match(p, reflected, out var r, out ushort ourPort, out bool proved, 0));
        Assert.False(proved);
        Assert.Equal((61001, PortState.Open, PortReason.UdpResponse), (ourPort, r.State, r.Reason));
    }

    [Fact]
    public void AReplyWithNoEchoIsLeftToTheTable()
    {
        var (o, r, proved) = Judge(Udp(Target, 9, 61001, [1, 2, 3]));
        Assert.Equal((MatchOutcome.Result, false), (o, proved));
        Assert.Equal((PortState.Open, PortReason.UdpResponse), (r.State, r.Reason));
        Assert.Equal(MatchOutcome.NotOurs, Judge(Udp(Target, 9, 60999, [1])).Item1);
        Assert.Equal((MatchOutcome.Result, false), Judge(Udp(Target, 9, 61001, [])) is var (eo, _, ep) ? (eo, ep) : default);
    }

    /// <summary>
    /// A reply the capture cut (its IP length says more than was kept) is judged on the bytes there
    /// are: 256-byte snap lengths made every reply over 214 bytes "malformed" (nmbd's node status,
    /// miniupnpd's SSDP answers, kamailio's SIP replies).
    /// </summary>
    [Theory]
    [InlineData(215)]
    [InlineData(448)]
    [InlineData(1472)]
    public void ACutReplyIsTruncatedNotMalformedAndStillMatches(int payloadLength)
    {
        ushort c = (ushort)Cookie.Compute(Me, Target, 61001, 7, 17);
        var payload = new byte[payloadLength];
        payload[0] = (byte)(c >> 8); payload[1] = (byte)c;
        var whole = Udp(Target, 7, 61001, payload);
        foreach (int snap in new[] { 256, 100, whole.Length })
        {
            var cut = whole.AsSpan(0, Math.Min(snap, whole.Length)).ToArray();
            Assert.True(Packet.TryParse(cut, out var p));
            Assert.Equal(cut.Length < whole.Length, p.Truncated);
            Assert.Equal(Math.Min(payloadLength, cut.Length - 42), p.PayloadLength);
            var (o, r, proved) = Judge(cut);
            Assert.Equal((MatchOutcome.Result, true, PortReason.ProtoResponse), (o, proved, r.Reason));
        }
    }

    /// <summary>
    /// A reply larger than the path's MTU arrives in fragments, which the capture sees as they are:
    /// the first carries the UDP header and is judged on its bytes (it was "malformed": its UDP length
    /// is the whole datagram's); later fragments have no header and are not ours to judge.
    /// </summary>
    [Fact]
    public void TheFirstFragmentOfALargeReplyIsJudgedOnItsBytes()
    {
        var whole = Udp(Target, 9, 61001, new byte[3000]);
        var first = whole.AsSpan(0, 14 + 1500).ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(first.AsSpan(16), 1500);            // this fragment's IP length
        BinaryPrimitives.WriteUInt16BigEndian(first.AsSpan(20), 0x2000);          // more fragments, offset 0
        Assert.True(Packet.TryParse(first, out var p));
        Assert.True(p.Truncated);
        Assert.Equal(1500 - 20 - 8, p.PayloadLength);
        var (o, r, proved) = Judge(first);
        Assert.Equal((MatchOutcome.Result, false, PortState.Open, PortReason.UdpResponse), (o, proved, r.State, r.Reason));
        BinaryPrimitives.WriteUInt16BigEndian(first.AsSpan(20), 0x2000 | 185);    // a later fragment (offset 1480)
        Assert.False(Packet.TryParse(first, out _));
    }

    [Fact]
    public void AUdpLengthBeyondAWholeDatagramIsMalformed()
    {
        var f = Udp(Target, 9, 61001, [1, 2, 3]);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(38), 200);     // UDP says 200 bytes; IP says the frame is whole
        Assert.False(Packet.TryParse(f, out _));
        var cutInHeaders = f.AsSpan(0, 14 + 20 + 4).ToArray();          // cut inside the UDP header
        Assert.False(Packet.TryParse(cutInHeaders, out _));
    }

    [Theory]
    [InlineData(3, PortState.Closed, "port-unreach")]
    [InlineData(0, PortState.Filtered, "net-unreach")]
    [InlineData(1, PortState.Filtered, "host-unreach")]
    [InlineData(2, PortState.Filtered, "proto-unreach")]
    [InlineData(9, PortState.Filtered, "net-prohibited")]
    [InlineData(10, PortState.Filtered, "host-prohibited")]
    [InlineData(13, PortState.Filtered, "admin-prohibited")]
    public void IcmpQuotingOurUdpProbeSetsTheStateAndNmapsReason(byte code, PortState state, string reason)
    {
        foreach (ushort port in new ushort[] { 7, 9 })
            // Plain; with IP options under a VLAN tag; quoting the whole probe as RFC 1812 routers do.
            foreach (var (opts, vlan, quoted) in new[] { (0, false, 8), (12, true, 8), (0, false, 64) })
            {
                var (o, r, _) = Judge(IcmpFor(port, code, ipOptions: opts, vlan: vlan, quotedBytes: quoted));
                Assert.Equal(MatchOutcome.Result, o);
                Assert.Equal((Protocol.Udp, port, state, reason), (r.Protocol, r.Port, r.State, r.Reason.Name()));
            }
    }

    /// <summary>A quote the capture cut before the UDP checksum (ports only) cannot prove our probe: not a usable quote, not ours.</summary>
    [Fact]
    public void AnIcmpQuoteCutBeforeTheUdpChecksumIsNotOurs()
    {
        var whole = IcmpFor(7, 3);
        Assert.Equal(MatchOutcome.Result, Judge(whole).Item1);
        Assert.Equal(MatchOutcome.NotOurs, Judge(whole[..(14 + 20 + 8 + 20 + 4)]).Item1);
        Assert.Equal(MatchOutcome.NotOurs, Judge(IcmpFor(7, 3, quotedBytes: 4)).Item1);
    }

    [Fact]
    public void IcmpQuotingAnotherChecksumIsForged()
    {
        Assert.Equal(MatchOutcome.Forged, Judge(IcmpFor(7, 3, checksum: 0x1234)).Item1);
        Assert.Equal(MatchOutcome.Ignored, Judge(IcmpFor(7, 4)).Item1);
    }

    [Theory]
    [InlineData("22,80", ScanTypes.Tcp, "22,80", "")]
    [InlineData("53,161", ScanTypes.Udp, "", "53,161")]
    [InlineData("53", ScanTypes.Tcp | ScanTypes.Udp, "53", "53")]
    [InlineData("T:22,80,U:53,161", ScanTypes.Tcp, "22,80", "53,161")]
    [InlineData("53,T:80,u:161-162", ScanTypes.Tcp | ScanTypes.Udp, "53,80", "53,161-162")]
    public void PortSpecsSplitByProtocol(string spec, ScanTypes types, string tcp, string udp)
    {
        var p = ScanPorts.Parse(spec, types);
        Assert.Equal(tcp, p.Tcp.ToString());
        Assert.Equal(udp, p.Udp.ToString());
    }

    [Theory]
    [InlineData("X:53", "X:53")]
    [InlineData("T:22,T:", "T:22,T:")]
    [InlineData("U:70000", "70000")]
    public void BadPortSpecsNameTheToken(string spec, string token)
    {
        Assert.Equal(token, Assert.Throws<BadInputException>(() => ScanPorts.Parse(spec, ScanTypes.Tcp)).Token);
    }

    [Fact]
    public void OneSpaceCoversBothProtocols()
    {
        var space = new ScanSpace(TargetSet.Parse("198.18.0.0/30"), ScanPorts.Parse("T:22,80,U:53", ScanTypes.Tcp));
        Assert.Equal(12ul, space.Count);
        var seen = new HashSet<(UInt128, ushort, Protocol)>();
        for (ulong i = 0; i < space.Count; i++)
        {
            space.Decode(i, out UInt128 a, out ushort port, out Protocol proto);
            Assert.True(seen.Add((a, port, proto)));
        }
        Assert.Equal(4, seen.Count(x => x.Item3 == Protocol.Udp && x.Item2 == 53));
        Assert.Equal(8, seen.Count(x => x.Item3 == Protocol.Tcp));
    }
}
