using RawScan.Match;
using RawScan.Probes;
using RawScan.Receive;
using RawScan.Results;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

public class ReplyMatchingTests
{
    private static readonly uint Me = Ipv4Range.Parse("198.19.0.2").First;
    private static readonly uint Target = Ipv4Range.Parse("198.18.4.5").First;
    private static readonly SynCookie Cookie = new(42, 4242);
    private static readonly ReplyMatcher Matcher = new(Cookie, Me, 61000, 65535);

    private static MatchOutcome Judge(byte[] frame, out PortResult r)
    {
        r = default;
        Assert.True(Packet.TryParse(frame, out var p));
        return Matcher.Match(p, out r, 0);
    }

    private static uint Ack(ushort sport = 61001, ushort dport = 80) => Cookie.Compute(Me, Target, sport, dport) + 1;

    [Theory]
    [InlineData(Packet.SYN | Packet.ACK, PortState.Open, PortReason.SynAck)]
    [InlineData(Packet.RST | Packet.ACK, PortState.Closed, PortReason.Reset)]
    public void ProvedRepliesBecomeResults(byte flags, PortState state, PortReason reason)
    {
        foreach (var (opts, vlan) in new[] { (0, false), (12, false), (40, true) })
        {
            var f = Frames.Tcp(Target, Me, 80, 61001, 999, Ack(), flags, opts, vlan);
            Assert.Equal(MatchOutcome.Result, Judge(f, out var r));
            Assert.Equal(new PortResult(Target, Protocol.Tcp, 80, state, 64, 0, reason), r);
        }
    }

    [Fact]
    public void WrongCookieIsForged()
    {
        Assert.Equal(MatchOutcome.Forged, Judge(Frames.Tcp(Target, Me, 80, 61001, 1, Ack() + 1, Packet.SYN | Packet.ACK), out _));
        Assert.Equal(MatchOutcome.Forged, Judge(Frames.Tcp(Target, Me, 80, 61001, 1, Ack() - 1, Packet.RST | Packet.ACK), out _));
        // The right cookie for another port or source port proves nothing about this one.
        Assert.Equal(MatchOutcome.Forged, Judge(Frames.Tcp(Target, Me, 81, 61001, 1, Ack(), Packet.SYN | Packet.ACK), out _));
        Assert.Equal(MatchOutcome.Forged, Judge(Frames.Tcp(Target, Me, 80, 61002, 1, Ack(), Packet.SYN | Packet.ACK), out _));
        Assert.Equal(MatchOutcome.Forged, Judge(Frames.Tcp(Target + 1, Me, 80, 61001, 1, Ack(), Packet.SYN | Packet.ACK), out _));
        // A bare ACK or SYN with the right number is still not an answer to a SYN.
        Assert.Equal(MatchOutcome.Forged, Judge(Frames.Tcp(Target, Me, 80, 61001, 1, Ack(), Packet.ACK), out _));
    }

    [Fact]
    public void RandomForgeriesAreRejected()
    {
        var rng = new Random(99);
        int accepted = 0;
        for (int i = 0; i < 100_000; i++)
        {
            var f = Frames.Tcp(Target + (uint)rng.Next(256), Me, (ushort)rng.Next(65536), (ushort)rng.Next(61000, 65536),
                (uint)rng.NextInt64(1L << 32), (uint)rng.NextInt64(1L << 32), Packet.SYN | Packet.ACK);
            if (Judge(f, out _) == MatchOutcome.Result) accepted++;
        }
        // A 32-bit keyed cookie: the chance that any of 100,000 guesses passes is about 2e-5.
        Assert.Equal(0, accepted);
    }

    /// <summary>An ICMP error from a router, quoting our SYN to Target:port: its IP header and the first 8 bytes of TCP, as RFC 792 asks, unless told otherwise.</summary>
    private static byte[] IcmpUnreachable(byte code, uint quotedSeq, ushort quotedSport = 61001, ushort quotedDport = 80,
        int ipOptions = 0, bool vlan = false, int quotedBytes = 8)
    {
        var syn = new byte[TcpTemplate.FrameLength];
        new TcpTemplate(Frames.ScannerMac, Frames.TargetMac, Me).Write(syn, Target, quotedSport, quotedDport, quotedSeq, 1);
        return Frames.IcmpUnreachable(0xC6130001, Me, code, Frames.Quote(syn, quotedBytes), ipOptions, vlan, ttl: 60);   // from a router
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(13)]
    public void IcmpUnreachableQuotingOurProbeIsFiltered(byte code)
    {
        // Plain, with IP options, under a VLAN tag, and quoting the whole SYN as RFC 1812 routers do.
        foreach (var (opts, vlan, quoted) in new[] { (0, false, 8), (8, false, 8), (40, true, 8), (0, false, 24) })
        {
            var f = IcmpUnreachable(code, Ack() - 1, ipOptions: opts, vlan: vlan, quotedBytes: quoted);
            Assert.Equal(MatchOutcome.Result, Judge(f, out var r));
            Assert.Equal(new PortResult(Target, Protocol.Tcp, 80, PortState.Filtered, 60, 0, PortReasonNames.FromIcmpUnreachable(code)), r);
        }
    }

    /// <summary>
    /// A quote too short to hold the sequence number proves nothing: 4 bytes of TCP (the ports), or
    /// an 8-byte quote the capture cut after the ports. Cut inside the quoted IP header, the error
    /// quotes nothing usable and is not ours.
    /// </summary>
    [Fact]
    public void AnIcmpQuoteWithoutTheSequenceNumberIsForged()
    {
        Assert.Equal(MatchOutcome.Forged, Judge(IcmpUnreachable(3, Ack() - 1, quotedBytes: 4), out _));
        var whole = IcmpUnreachable(3, Ack() - 1);
        Assert.Equal(14 + 20 + 8 + 28, whole.Length);
        Assert.Equal(MatchOutcome.Forged, Judge(whole[..(14 + 20 + 8 + 24)], out _));
        Assert.Equal(MatchOutcome.NotOurs, Judge(whole[..(14 + 20 + 8 + 12)], out _));
    }

    /// <summary>
    /// The cookie proves a reply, not its checksums (as in masscan and zmap): a SYN-ACK whose IP and
    /// TCP checksums PacketDotNet rejects is still matched on its fields, and the same frame with a
    /// wrong cookie is still forged. Pinned so that checking checksums on receive is a decision, not
    /// an accident.
    /// </summary>
    [Fact]
    public void ChecksumsAreNotWhatProvesAReply()
    {
        foreach (var (opts, vlan) in new[] { (0, false), (12, true) })
        {
            foreach (uint ack in new[] { Ack(), Ack() + 1 })
            {
                var f = Frames.Tcp(Target, Me, 80, 61001, 999, ack, Packet.SYN | Packet.ACK, opts, vlan);
                int ip = vlan ? 18 : 14, tcp = ip + 20 + opts;
                f[ip + 10] ^= 0x5a;                                   // IP header checksum
                f[tcp + 17] ^= 0xa5;                                  // TCP checksum
                var d = FrameDecoder.Ipv4WithoutCheck<PacketDotNet.TcpPacket>(f);
                Assert.False(d.Ip.ValidIPChecksum);
                Assert.False(d.Transport.ValidTcpChecksum);
                Assert.Equal(ack == Ack() ? MatchOutcome.Result : MatchOutcome.Forged, Judge(f, out var r));
                if (ack == Ack()) Assert.Equal((PortState.Open, PortReason.SynAck), (r.State, r.Reason));
            }
        }
    }

    [Fact]
    public void IcmpQuotingAnotherSequenceIsForgedAndOtherCodesSayNothing()
    {
        Assert.Equal(MatchOutcome.Forged, Judge(IcmpUnreachable(3, Ack()), out _));
        Assert.Equal(MatchOutcome.Forged, Judge(IcmpUnreachable(3, Ack() - 1, quotedDport: 81), out _));
        Assert.Equal(MatchOutcome.Ignored, Judge(IcmpUnreachable(4, Ack() - 1), out _));   // fragmentation needed
        Assert.Equal(MatchOutcome.NotOurs, Judge(IcmpUnreachable(3, Ack() - 1, quotedSport: 1234), out _));
    }

    [Fact]
    public void NotAddressedToUsIsNotOurs()
    {
        Assert.Equal(MatchOutcome.NotOurs, Judge(Frames.Tcp(Target, Me + 1, 80, 61001, 1, Ack(), Packet.SYN | Packet.ACK), out _));
        Assert.Equal(MatchOutcome.NotOurs, Judge(Frames.Tcp(Target, Me, 80, 60999, 1, Ack(), Packet.SYN | Packet.ACK), out _));
    }

    [Fact]
    public void TruncatedAndRandomFramesNeverThrow()
    {
        var good = Frames.Tcp(Target, Me, 80, 61001, 1, Ack(), Packet.SYN | Packet.ACK, 8, vlan: true);
        Assert.True(Packet.TryParse(good, out _));
        for (int n = 0; n < good.Length; n++)             // every cut lands inside a header the matcher needs
            Assert.False(Packet.TryParse(good.AsSpan(0, n), out _));
        // Random bytes, steered into every branch of the parser: IPv4 with TCP, UDP and ICMP (and a
        // quoted header inside), IPv6 with extension headers, VLAN tags, and plain noise. Oversized
        // frames (far beyond any header) are in the mix too.
        var rng = new Random(3);
        var buf = new byte[2000];
        int parsed = 0;
        for (int i = 0; i < 200_000; i++)
        {
            int n = i % 50 == 0 ? rng.Next(buf.Length) : rng.Next(120);
            rng.NextBytes(buf);
            switch (i % 6)
            {
                case 0: buf[12] = 0x08; buf[13] = 0; buf[14] = (byte)(0x40 | rng.Next(16)); buf[23] = 6; break;
                case 1: buf[12] = 0x08; buf[13] = 0; buf[14] = 0x45; buf[23] = (byte)(rng.Next(2) == 0 ? 17 : 1); buf[34] = 3; buf[42] = 0x45; break;
                case 2: buf[12] = 0x86; buf[13] = 0xDD; buf[14] = 0x60; buf[20] = (byte)new[] { 0, 6, 17, 43, 44, 58, 60 }[rng.Next(7)]; break;
                case 3: buf[12] = 0x81; buf[13] = 0; buf[16] = 0x08; buf[17] = 0; buf[18] = 0x45; break;
                case 4: buf[12] = 0x08; buf[13] = 0; buf[14] = 0x45; buf[16] = 0; buf[17] = (byte)rng.Next(60); buf[20] = 0; buf[21] = 0; break;
            }
            if (Packet.TryParse(buf.AsSpan(0, n), out var p)) { parsed++; Matcher.Match(p, out _, 0); }
        }
        Assert.InRange(parsed, 1000, 199_000);                // the steering reached past the first checks
    }
}
