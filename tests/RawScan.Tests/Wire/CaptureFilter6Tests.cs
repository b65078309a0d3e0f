using RawScan.Routing;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>The IPv6 scan's capture filter, compiled and run by libpcap (tcpdump) over replies built by PacketDotNet and our own frames.</summary>
public class CaptureFilter6Tests
{
    private static readonly UInt128 Me = Ipv6.Parse("2001:db8:ff::2"), Target = Ipv6.Parse("2001:db8:1::45"), Router = Ipv6.Parse("2001:db8:ff::1");

    [Fact]
    public void TheFilterKeepsRepliesToUsAndSolicitationsForUsOnly()
    {
        var ns = new byte[Ndp.FrameLength];
        var frames = new List<byte[]>
        {
            Frames6.Tcp(Target, Me, 80, 61001, 1, 2, 0x12),                            // 0 SYN-ACK: kept
            Frames6.Tcp(Target, Me, 80, 65535, 1, 2, 0x14),                            // 1 RST at the top of our ports: kept
            Frames6.Udp(Target, Me, 53, 61001, [1, 2, 3]),                             // 2 UDP reply: kept
            Frames6.IcmpError(Router, Me, 1, new byte[48]),                            // 3 destination unreachable: kept
            Frames6.IcmpError(Router, Me, 0, new byte[48], type: 3),                   // 4 time exceeded: kept
            Frames6.IcmpError(Router, Me, 0, new byte[48], type: 129),                 // 5 echo reply: not an error
            Frames6.Tcp(Target, Me, 80, 60999, 1, 2, 0x12),                            // 6 below our ports
            Frames6.Tcp(Target, Me + 1, 80, 61001, 1, 2, 0x12),                        // 7 to another address
            Frames6.Udp(Target, Me, 53, 61001, [1], vlan: true),                       // 8 under a VLAN tag: as the IPv4 filter, not kept
            Frames.Tcp(0xC6120405, 0xC6130002, 80, 61001, 1, 2, 0x12),                 // 9 IPv4
        };
        Ndp.WriteSolicitation(ns, Frames.TargetMac, Router, Me);
        frames.Add((byte[])ns.Clone());                                                // 10 a solicitation for us
        Ndp.WriteSolicitation(ns, Frames.TargetMac, Router, Me + 1);
        frames.Add((byte[])ns.Clone());                                                // 11 for another

        Assert.Equal([0, 1, 2, 3, 4], Bpf.Keeps(frames, CaptureFilter6.For(Me, 61000, 65535, answerNdp: false)));
        Assert.Equal([0, 1, 2, 3, 4, 10], Bpf.Keeps(frames, CaptureFilter6.For(Me, 61000, 65535, answerNdp: true)));
    }
}
