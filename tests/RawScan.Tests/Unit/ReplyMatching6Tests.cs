using System.Buffers.Binary;
using RawScan.Match;
using RawScan.Probes;
using RawScan.Receive;
using RawScan.Results;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// Replies to IPv6 probes, built by PacketDotNet (<see cref="Frames6"/>): what <see cref="Packet"/>
/// reads of them (TCP, UDP, ICMPv6 errors and the probe they quote, under a VLAN tag and behind a
/// hop-by-hop header), what <see cref="ReplyMatcher6"/> proves of them with the IPv6 cookie, and
/// nmap's states and reasons for ICMPv6 destination unreachable (<see cref="Icmp6Unreachable"/>).
/// </summary>
public class ReplyMatching6Tests
{
    private static readonly UInt128 Me = Ipv6.Parse("2001:db8:ff::2");
    private static readonly UInt128 Target = Ipv6.Parse("2001:db8:1::45");
    private static readonly UInt128 Router = Ipv6.Parse("2001:db8:ff::1");
    private static readonly SynCookie Cookie = new(42, 4242);

    /// <summary>A stand-in protocol on port 7: echoes the cookie's low 16 bits in its first two bytes.</summary>
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

    private static readonly ProbeBuilder6 Probes = new(new Tcp6Template(Frames.ScannerMac, Frames.TargetMac, Me), Cookie,
        new Udp6Template(Frames.ScannerMac, Frames.TargetMac, Me), new Payloads());
    private static readonly ReplyMatcher6 Matcher = new(Probes, new SourcePorts(61000, 65535));

    private static uint Ack(ushort sport = 61001, ushort dport = 80, UInt128? target = null) => Cookie.Compute(Me, target ?? Target, sport, dport) + 1;

    private static (MatchOutcome Outcome, Reply6 Reply, bool Proved, ushort OurPort) Judge(byte[] f)
    {
        Assert.True(Packet.TryParse(f, out var p));
        var o = Matcher.Match(p, f, out var r, out ushort ourPort, out bool proved);
        return (o, r, proved, ourPort);
    }

    private static readonly (bool Vlan, bool HopByHop)[] Shapes = [(false, false), (true, false), (false, true), (true, true)];

    [Theory]
    [InlineData(Packet.SYN | Packet.ACK, PortState.Open, PortReason.SynAck)]
    [InlineData(Packet.RST | Packet.ACK, PortState.Closed, PortReason.Reset)]
    public void ProvedTcpRepliesBecomeResults(byte flags, PortState state, PortReason reason)
    {
        foreach (var (vlan, hbh) in Shapes)
        {
            var f = Frames6.Tcp(Target, Me, 80, 61001, 999, Ack(), flags, vlan, hbh, hopLimit: 57);
            Assert.True(Packet.TryParse(f, out var p));
            Assert.Equal((true, Packet.ProtoTcp, Target, Me, (ushort)80, (ushort)61001, Ack(), (byte)57),
                (p.IsIpv6, p.Protocol, p.SrcIp6, p.DstIp6, p.SrcPort, p.DstPort, p.Ack, p.Ttl));
            var (o, r, proved, ourPort) = Judge(f);
            Assert.Equal((MatchOutcome.Result, true, (ushort)61001), (o, proved, ourPort));
            Assert.Equal(new Reply6(Target, Protocol.Tcp, 80, state, 57, reason), r);
        }
    }

    [Fact]
    public void AWrongCookieIsForgedAndAnotherAddressIsNotOurs()
    {
        Assert.Equal(MatchOutcome.Forged, Judge(Frames6.Tcp(Target, Me, 80, 61001, 1, Ack() + 1, Packet.SYN | Packet.ACK)).Outcome);
        Assert.Equal(MatchOutcome.Forged, Judge(Frames6.Tcp(Target, Me, 81, 61001, 1, Ack(), Packet.SYN | Packet.ACK)).Outcome);
        Assert.Equal(MatchOutcome.Forged, Judge(Frames6.Tcp(Target, Me, 80, 61002, 1, Ack(), Packet.SYN | Packet.ACK)).Outcome);
        Assert.Equal(MatchOutcome.Forged, Judge(Frames6.Tcp(Target + 1, Me, 80, 61001, 1, Ack(), Packet.SYN | Packet.ACK)).Outcome);
        // The high half of the target's address, which a fold into 32 bits could lose, matters too.
        Assert.Equal(MatchOutcome.Forged, Judge(Frames6.Tcp(Target ^ (UInt128.One << 100), Me, 80, 61001, 1, Ack(), Packet.SYN | Packet.ACK)).Outcome);
        Assert.Equal(MatchOutcome.Forged, Judge(Frames6.Tcp(Target, Me, 80, 61001, 1, Ack(), Packet.ACK)).Outcome);
        Assert.Equal(MatchOutcome.NotOurs, Judge(Frames6.Tcp(Target, Me + 1, 80, 61001, 1, Ack(), Packet.SYN | Packet.ACK)).Outcome);
        Assert.Equal(MatchOutcome.NotOurs, Judge(Frames6.Tcp(Target, Me, 80, 60999, 1, Ack(), Packet.SYN | Packet.ACK)).Outcome);
        // The two families' matchers each leave the other's replies alone.
        var v4 = Frames.Tcp(0xC6120405, 0xC6130002, 80, 61001, 1, 1, Packet.SYN | Packet.ACK);
        Assert.True(Packet.TryParse(v4, out var p4));
        Assert.Equal(MatchOutcome.NotOurs, Matcher.Match(p4, v4, out _, out _, out _));
        Assert.True(Packet.TryParse(Frames6.Tcp(Target, Me, 80, 61001, 1, Ack(), Packet.SYN | Packet.ACK), out var p6));
        Assert.Equal(MatchOutcome.NotOurs, new ReplyMatcher(Cookie, 0, 61000, 65535).Match(p6, out _, 0));
    }

    [Fact]
    public void RandomForgeriesAreRejected()
    {
        var rng = new Random(98);
        int accepted = 0;
        for (int i = 0; i < 50_000; i++)
        {
            var f = Frames6.Tcp(Target + (UInt128)(ulong)rng.Next(1 << 16), Me, (ushort)rng.Next(65536), (ushort)rng.Next(61000, 65536),
                (uint)rng.NextInt64(1L << 32), (uint)rng.NextInt64(1L << 32), Packet.SYN | Packet.ACK);
            if (Judge(f).Outcome == MatchOutcome.Result) accepted++;
        }
        Assert.Equal(0, accepted);
    }

    [Fact]
    public void UdpRepliesAreOpenAndProveThemselvesByTheirEcho()
    {
        ushort c = (ushort)Cookie.Compute(Me, Target, 61001, 7, 17);
        foreach (var (vlan, hbh) in Shapes)
        {
            var f = Frames6.Udp(Target, Me, 7, 61001, [(byte)(c >> 8), (byte)c, 1], vlan, hbh);
            Assert.True(Packet.TryParse(f, out var p));
            Assert.Equal((Packet.ProtoUdp, 3), (p.Protocol, p.PayloadLength));
            Assert.Equal(f.Length - 3, p.PayloadOffset);
            var (o, r, proved, ourPort) = Judge(f);
            Assert.Equal((MatchOutcome.Result, true, (ushort)61001), (o, proved, ourPort));
            Assert.Equal(new Reply6(Target, Protocol.Udp, 7, PortState.Open, 64, PortReason.ProtoResponse), r);

            // A wrong echo, or a port whose protocol echoes nothing: still open, but the table must vouch.
            (o, r, proved, _) = Judge(Frames6.Udp(Target, Me, 7, 61001, [(byte)(c >> 8), (byte)(c + 1), 1], vlan, hbh));
            Assert.Equal((MatchOutcome.Result, false, PortReason.UdpResponse), (o, proved, r.Reason));
            (o, r, proved, _) = Judge(Frames6.Udp(Target, Me, 9, 61001, [1, 2, 3], vlan, hbh));
            Assert.Equal((MatchOutcome.Result, false, PortState.Open, PortReason.UdpResponse), (o, proved, r.State, r.Reason));
        }
    }

    private static byte[] OurSyn(ushort sport = 61001, ushort dport = 80, uint? seq = null)
    {
        var syn = new byte[Tcp6Template.FrameLength];
        new Tcp6Template(Frames.ScannerMac, Frames.TargetMac, Me).Write(syn, Target, sport, dport, seq ?? Ack(sport, dport) - 1);
        return syn;
    }

    private static byte[] OurUdp(ushort dport, ushort sport = 61001)
    {
        var probe = new byte[Udp6Template.HeaderLength + Udp6Template.MaxPayload];
        return probe[..Probes.Write(probe, Target, sport, dport, Protocol.Udp)];
    }

    /// <summary>Packet reads the quoted IPv6 header and transport of an ICMPv6 error: whole, cut to RFC 792's 8 bytes, and behind a hop-by-hop header.</summary>
    [Fact]
    public void TheQuoteOfAnIcmp6ErrorIsRead()
    {
        foreach (bool vlan in new[] { false, true })
            foreach (var quote in new[] { Frames6.Quote(OurSyn()), Frames6.Quote(OurSyn(), 8), Frames6.WithHopByHop(Frames6.Quote(OurSyn())) })
            {
                var f = Frames6.IcmpError(Router, Me, 3, quote, vlan: vlan, hopLimit: 60);
                Assert.True(Packet.TryParse(f, out var p));
                Assert.Equal((Packet.ProtoIcmp6, (byte)1, (byte)3, Router, (byte)60), (p.Protocol, p.IcmpType, p.IcmpCode, p.SrcIp6, p.Ttl));
                Assert.True(p.HasQuote);
                Assert.Equal((Packet.ProtoTcp, Me, Target, (ushort)61001, (ushort)80, true, Ack() - 1),
                    (p.QuotedProtocol, p.QuotedSrcIp6, p.QuotedDstIp6, p.QuotedSrcPort, p.QuotedDstPort, p.QuotedHasSeq, p.QuotedSeq));
                Assert.Equal((0u, 0u), (p.QuotedSrcIp, p.QuotedDstIp));     // the IPv4 fields stay empty
            }
        var udp = OurUdp(53);
        Assert.True(Packet.TryParse(Frames6.IcmpError(Target, Me, 4, Frames6.Quote(udp)), out var u));
        Assert.True(u.HasQuote);
        Assert.Equal((Packet.ProtoUdp, (ushort)53, BinaryPrimitives.ReadUInt16BigEndian(udp.AsSpan(Udp6Template.UdpOffset + 6))),
            (u.QuotedProtocol, u.QuotedDstPort, u.QuotedUdpChecksum));
    }

    /// <summary>nmap's table (scan_engine_raw.cc, ICMPv6 branch; reasons from portreasons.cc).</summary>
    [Theory]
    [InlineData(0, PortReason.NoRoute, "no-route")]
    [InlineData(1, PortReason.AdminProhibited, "admin-prohibited")]
    [InlineData(2, PortReason.BeyondScope, "beyond-scope")]
    [InlineData(3, PortReason.HostUnreach, "host-unreach")]
    [InlineData(4, PortReason.PortUnreach, "port-unreach")]
    [InlineData(5, PortReason.AdminProhibited, "admin-prohibited")]
    [InlineData(6, PortReason.RejectRoute, "reject-route")]
    public void Icmp6UnreachableCodesReadAsNmapReadsThem(byte code, PortReason reason, string word)
    {
        Assert.Equal(reason, PortReasonNames.FromIcmp6Unreachable(code));
        Assert.Equal(word, reason.Name());
        Assert.True(PortReasonNames.TryParse(word, out var back));
        Assert.Equal(reason, back);
        foreach (var protocol in new[] { Protocol.Tcp, Protocol.Udp })
            foreach (bool fromTarget in new[] { false, true })
            {
                Assert.True(Icmp6Unreachable.TryVerdict(code, protocol, fromTarget, out var state, out var why));
                Assert.Equal(reason, why);
                // Only the target's own port unreachable about a UDP probe says closed.
                Assert.Equal(code == 4 && protocol == Protocol.Udp && fromTarget ? PortState.Closed : PortState.Filtered, state);
            }
    }

    [Theory]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(200)]
    public void OtherUnreachableCodesSayNothing(byte code)
    {
        Assert.False(Icmp6Unreachable.TryVerdict(code, Protocol.Udp, true, out _, out var reason));
        Assert.Equal(PortReason.Unknown, reason);
        Assert.Equal(MatchOutcome.Ignored, Judge(Frames6.IcmpError(Router, Me, code, Frames6.Quote(OurSyn()))).Outcome);
    }

    /// <summary>The reasons are appended: the values journals and resume files hold keep their meaning, and all fit the HTML report's 4-bit field.</summary>
    [Fact]
    public void TheIpv6ReasonsComeAfterTheOthers()
    {
        Assert.Equal(12, (int)PortReason.NoResponse);
        Assert.Equal((13, 14, 15), ((int)PortReason.NoRoute, (int)PortReason.BeyondScope, (int)PortReason.RejectRoute));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void AnIcmp6UnreachableQuotingOurSynIsFiltered(byte code)
    {
        foreach (var from in new[] { Router, Target })
            foreach (var quote in new[] { Frames6.Quote(OurSyn()), Frames6.Quote(OurSyn(), 8), Frames6.WithHopByHop(Frames6.Quote(OurSyn(), 8)) })
            {
                var (o, r, proved, ourPort) = Judge(Frames6.IcmpError(from, Me, code, quote, hopLimit: 60));
                Assert.Equal((MatchOutcome.Result, true, (ushort)61001), (o, proved, ourPort));
                Assert.Equal(new Reply6(Target, Protocol.Tcp, 80, PortState.Filtered, 60, PortReasonNames.FromIcmp6Unreachable(code)), r);
            }
    }

    /// <summary>
    /// A UDP probe's port unreachable from the target is a closed port; from anyone else (a router,
    /// or the target's interface address answering for an address only routed to it, as this issue's
    /// lab found) it is filtered, as nmap says. The quoted checksum must be our probe's.
    /// </summary>
    [Fact]
    public void AnIcmp6PortUnreachableAboutUdpIsClosedOnlyFromTheTarget()
    {
        foreach (ushort port in new ushort[] { 7, 53 })
        {
            var quote = Frames6.Quote(OurUdp(port));
            var (o, r, proved, ourPort) = Judge(Frames6.IcmpError(Target, Me, 4, quote));
            Assert.Equal((MatchOutcome.Result, false, (ushort)61001), (o, proved, ourPort));   // a 16-bit checksum: the table must vouch
            Assert.Equal(new Reply6(Target, Protocol.Udp, port, PortState.Closed, 64, PortReason.PortUnreach), r);

            (o, r, _, _) = Judge(Frames6.IcmpError(Router, Me, 4, quote));
            Assert.Equal((MatchOutcome.Result, PortState.Filtered, PortReason.PortUnreach), (o, r.State, r.Reason));
            (o, r, _, _) = Judge(Frames6.IcmpError(Target, Me, 1, Frames6.Quote(OurUdp(port), 8)));
            Assert.Equal((MatchOutcome.Result, PortState.Filtered, PortReason.AdminProhibited), (o, r.State, r.Reason));

            var forged = (byte[])quote.Clone();
            forged[40 + 6] ^= 0x01;                                                             // the quoted UDP checksum
            Assert.Equal(MatchOutcome.Forged, Judge(Frames6.IcmpError(Target, Me, 4, forged)).Outcome);
        }
    }

    [Fact]
    public void AnIcmp6QuoteThatIsNotOurProbeIsForgedOrNotOurs()
    {
        Assert.Equal(MatchOutcome.Forged, Judge(Frames6.IcmpError(Router, Me, 1, Frames6.Quote(OurSyn(seq: Ack() + 5)))).Outcome);
        Assert.Equal(MatchOutcome.Forged, Judge(Frames6.IcmpError(Router, Me, 1, Frames6.Quote(OurSyn(dport: 81, seq: Ack() - 1)))).Outcome);
        Assert.Equal(MatchOutcome.Forged, Judge(Frames6.IcmpError(Router, Me, 1, Frames6.Quote(OurSyn(), 4))).Outcome);   // no sequence number
        Assert.Equal(MatchOutcome.NotOurs, Judge(Frames6.IcmpError(Router, Me, 1, Frames6.Quote(OurSyn(sport: 1234)))).Outcome);
        Assert.Equal(MatchOutcome.NotOurs, Judge(Frames6.IcmpError(Router, Me, 1, Frames6.Quote(OurSyn())[..42])).Outcome);  // cut before the ports
        var otherSource = Frames6.Quote(OurSyn());
        otherSource[8 + 15] ^= 1;
        Assert.Equal(MatchOutcome.NotOurs, Judge(Frames6.IcmpError(Router, Me, 1, otherSource)).Outcome);
        Assert.Equal(MatchOutcome.NotOurs, Judge(Frames6.IcmpError(Router, Me + 1, 1, Frames6.Quote(OurSyn()))).Outcome);
        // A UDP quote cut before its checksum cannot be checked: no quote at all.
        Assert.True(Packet.TryParse(Frames6.IcmpError(Target, Me, 4, Frames6.Quote(OurUdp(53), 6)), out var p));
        Assert.False(p.HasQuote);
    }

    /// <summary>
    /// Time exceeded and parameter problem quoting our probe are ours, proved, but say nothing of the
    /// port. (Packet too big, type 2, is not read as an error that quotes: as for ICMPv4's source
    /// quench, Packet leaves it out; our probes fit 1500 bytes.)
    /// </summary>
    [Theory]
    [InlineData(3, 0)]
    [InlineData(3, 1)]
    [InlineData(4, 0)]
    [InlineData(4, 1)]
    public void OtherIcmp6ErrorsAreIgnored(byte type, byte code)
    {
        Assert.Equal(MatchOutcome.Ignored, Judge(Frames6.IcmpError(Router, Me, code, Frames6.Quote(OurSyn()), type)).Outcome);
        Assert.Equal(MatchOutcome.Forged, Judge(Frames6.IcmpError(Router, Me, code, Frames6.Quote(OurSyn(seq: 5)), type)).Outcome);
        // An echo reply or a neighbour advertisement quotes nothing.
        Assert.True(Packet.TryParse(Frames6.IcmpError(Router, Me, 0, Frames6.Quote(OurSyn()), 129), out var p));
        Assert.False(p.HasQuote);
    }

    /// <summary>A quote of a later fragment has no transport header: no quote. Its first fragment's does.</summary>
    [Fact]
    public void AQuotedFragmentCountsOnlyWhenItIsTheFirst()
    {
        foreach (ushort offset in new ushort[] { 0, 8 })
        {
            var q = Frames6.Quote(OurSyn());
            var frag = new byte[q.Length + 8];
            q.AsSpan(0, 40).CopyTo(frag);
            frag[6] = 44;
            frag[40] = 6;                                                       // next header: TCP
            BinaryPrimitives.WriteUInt16BigEndian(frag.AsSpan(42), (ushort)(offset | 1));  // offset, more fragments
            q.AsSpan(40).CopyTo(frag.AsSpan(48));
            Assert.True(Packet.TryParse(Frames6.IcmpError(Router, Me, 1, frag), out var p));
            Assert.Equal(offset == 0, p.HasQuote);
        }
    }

    /// <summary>Eight extension headers are read through; a ninth is more than any probe of ours carries, and the quote is refused.</summary>
    [Fact]
    public void AQuotedExtensionChainHasALimit()
    {
        var quote = Frames6.Quote(OurSyn());
        for (int headers = 1; headers <= 9; headers++)
        {
            quote = Frames6.WithHopByHop(quote);
            Assert.True(Packet.TryParse(Frames6.IcmpError(Router, Me, 1, quote), out var p));
            Assert.Equal(headers <= 8, p.HasQuote);
            if (p.HasQuote) Assert.Equal((Packet.ProtoTcp, Ack() - 1), (p.QuotedProtocol, p.QuotedSeq));
        }
    }

    [Fact]
    public void CutAndRandomFramesNeverThrow()
    {
        var good = Frames6.IcmpError(Router, Me, 4, Frames6.WithHopByHop(Frames6.Quote(OurUdp(53))), vlan: true);
        for (int n = 0; n < good.Length; n++)
            if (Packet.TryParse(good.AsSpan(0, n), out var cut)) Matcher.Match(cut, good.AsSpan(0, n), out _, out _, out _);
        var rng = new Random(6);
        var buf = new byte[1600];
        int parsed = 0, quoted = 0;
        for (int i = 0; i < 200_000; i++)
        {
            int n = i % 50 == 0 ? rng.Next(buf.Length) : rng.Next(160);
            rng.NextBytes(buf);
            buf[12] = 0x86; buf[13] = 0xDD; buf[14] = 0x60;
            buf[20] = (byte)new[] { 0, 6, 17, 58, 58, 58 }[rng.Next(6)];
            if (buf[20] == 58) { buf[54] = (byte)(1 + rng.Next(4)); buf[62] = 0x60; buf[68] = (byte)new[] { 0, 6, 17, 43, 44, 60 }[rng.Next(6)]; }
            if (i % 3 == 0) BinaryPrimitives.WriteUInt16BigEndian(buf.AsSpan(18), (ushort)rng.Next(200));
            if (i % 2 == 0)
            {
                // Addressed to us, and quoting a probe from us: the matcher's deeper branches run too.
                BinaryPrimitives.WriteUInt128BigEndian(buf.AsSpan(38), Me);
                BinaryPrimitives.WriteUInt128BigEndian(buf.AsSpan(70), Me);
            }
            if (Packet.TryParse(buf.AsSpan(0, n), out var p))
            {
                parsed++;
                if (p.HasQuote) quoted++;
                Matcher.Match(p, buf.AsSpan(0, n), out _, out _, out _);
            }
        }
        Assert.InRange(parsed, 1000, 199_000);
        Assert.InRange(quoted, 100, parsed);
    }
}
