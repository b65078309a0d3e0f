using RawScan.Match;
using RawScan.Probes;
using RawScan.Receive;
using RawScan.Results;
using RawScan.Routing;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// The IPv6 pieces that run per packet allocate nothing: writing SYN and UDP probes, parsing and
/// matching replies (a SYN-ACK, a DNS answer, an ICMPv6 error whose UDP quote is rebuilt and
/// compared), and answering a neighbour's solicitation.
/// </summary>
public class Ipv6HotPathAllocationTests
{
    private static readonly UInt128 Me = Ipv6.Parse("2001:db8:ff::2"), Target = Ipv6.Parse("2001:db8:1::45");

    [Fact]
    public void ProbesRepliesAndAdvertisementsAllocateNothing()
    {
        var cookie = new SynCookie(3, 5);
        var probes = new ProbeBuilder6(new Tcp6Template(Frames.ScannerMac, Frames.TargetMac, Me), cookie,
            new Udp6Template(Frames.ScannerMac, Frames.TargetMac, Me), UdpPayloadTable.Default);
        var matcher = new ReplyMatcher6(probes, new SourcePorts(61000, 65535));
        var frame = new byte[1514];
        var synAck = Frames6.Tcp(Target, Me, 80, 61001, 1, cookie.Compute(Me, Target, 61001, 80) + 1, Packet.SYN | Packet.ACK);
        var dnsProbe = new byte[1514];
        var icmp = Frames6.IcmpError(Target, Me, 4, Frames6.Quote(dnsProbe[..probes.Write(dnsProbe, Target, 61001, 53, Protocol.Udp)]));
        var dnsReply = Frames6.Udp(Target, Me, 53, 61001, [0x12, 0x34, 0x81, 0x80, 0, 0, 0, 0, 0, 0, 0, 0]);
        var ns = new byte[Ndp.FrameLength];
        Ndp.WriteSolicitation(ns, Frames.TargetMac, Target, Me);
        var na = new byte[Ndp.FrameLength];
        byte[][] replies = [synAck, icmp, dnsReply];
        foreach (var reply in replies)                                      // each reaches the end of its path
        {
            Assert.True(Packet.TryParse(reply, out var p));
            Assert.Equal(MatchOutcome.Result, matcher.Match(p, reply, out _, out _, out _));
        }
        Assert.Equal(Ndp.FrameLength, Ndp.Answer(ns, Frames.ScannerMac, Me, na));

        Allocation.AssertNothing(() =>
        {
            long n = 0;
            for (uint i = 0; i < 2000; i++)
            {
                n += probes.Write(frame, Target + i, (ushort)(61000 + i), 80, Protocol.Tcp);
                n += probes.Write(frame, Target + i, (ushort)(61000 + i), 53, Protocol.Udp);
                foreach (var reply in replies)
                    if (Packet.TryParse(reply, out var p)) n += (int)matcher.Match(p, reply, out _, out _, out _);
                n += Ndp.Answer(ns, Frames.ScannerMac, Me, na);
            }
            return n;
        });
    }
}
