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
    [InlineData(Packet.SYN | Packet.ACK, PortState.Open)]
    [InlineData(Packet.RST | Packet.ACK, PortState.Closed)]
    public void ProvedRepliesBecomeResults(byte flags, PortState state)
    {
        foreach (var (opts, vlan) in new[] { (0, false), (12, false), (40, true) })
        {
            var f = Frames.Tcp(Target, Me, 80, 61001, 999, Ack(), flags, opts, vlan);
            Assert.Equal(MatchOutcome.Result, Judge(f, out var r));
            Assert.Equal(new PortResult(Target, Protocol.Tcp, 80, state, 64, 0), r);
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
        var rng = new Random(3);
        var buf = new byte[200];
        for (int i = 0; i < 100_000; i++)
        {
            int n = rng.Next(buf.Length);
            rng.NextBytes(buf);
            if (i % 2 == 0) { buf[12] = 0x08; buf[13] = 0; buf[14] = (byte)(0x40 | rng.Next(16)); buf[23] = 6; }
            if (Packet.TryParse(buf.AsSpan(0, n), out var p)) Matcher.Match(p, out _, 0);
        }
    }
}
