using PacketDotNet;
using PacketDotNet.Tcp;
using RawScan.Probes;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// The file `rawscan scan --dry-run --write-pcap` writes, for a scan of both protocols, read back
/// in process and every frame decoded by PacketDotNet: each probe of the scan space exactly once,
/// from the source asked for, with valid checksums. tcpdump's reading of the same kind of file
/// is ResumeTests.DryRunPcapDecodesWithCorrectChecksums.
/// </summary>
public class DryRunPcapDecodingTests
{
    [Fact]
    public void EveryFrameOfAMixedScanDecodesOnceWithValidChecksums()
    {
        ushort[] tcpPorts = [22, 80, 443], udpPorts = [7, 53, 123, 161, 40000];
        uint first = Ipv4Range.Parse("198.18.0.0").First, source = Ipv4Range.Parse("198.19.0.10").First;
        string pcap = Path.GetTempFileName();
        try
        {
            var r = Cli.Run(["scan", "198.18.0.0/26", "-p", "T:22,80,443,U:7,53,123,161,40000", "--dry-run", "--write-pcap", pcap,
                "--source-ip", "198.19.0.10", "--rate", "max", "--seed", "11"]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            var frames = PcapFileReader.Frames(pcap);
            Assert.Equal(64 * (tcpPorts.Length + udpPorts.Length), frames.Count);

            var seen = new HashSet<(uint, ProtocolType, ushort)>();
            byte[]? srcMac = null, dstMac = null;
            foreach (var f in frames)
            {
                var eth = Assert.IsType<EthernetPacket>(Packet.ParsePacket(LinkLayers.Ethernet, f));
                srcMac ??= eth.SourceHardwareAddress.GetAddressBytes();
                dstMac ??= eth.DestinationHardwareAddress.GetAddressBytes();
                Assert.Equal(srcMac, eth.SourceHardwareAddress.GetAddressBytes());         // one path for the whole scan
                Assert.Equal(dstMac, eth.DestinationHardwareAddress.GetAddressBytes());
                var ip = Assert.IsType<IPv4Packet>(eth.PayloadPacket);
                Assert.True(ip.ValidIPChecksum);
                Assert.Equal(14 + ip.TotalLength, f.Length);                                // nothing after the datagram
                Assert.Equal(source, FrameDecoder.Address(ip.SourceAddress));
                uint dst = FrameDecoder.Address(ip.DestinationAddress);
                Assert.InRange(dst, first, first + 63);
                switch (ip.PayloadPacket)
                {
                    case TcpPacket tcp:
                        Assert.Contains(tcp.DestinationPort, tcpPorts);
                        Assert.Equal(TcpTemplate.Syn, tcp.Flags);
                        Assert.Equal((ushort)(tcp.SequenceNumber >> 16), ip.Id);                 // the cookie's high half
                        Assert.Equal(1460, Assert.IsType<MaximumSegmentSizeOption>(Assert.Single(tcp.OptionsCollection)).Value);
                        Assert.True(tcp.ValidTcpChecksum);
                        Assert.True(seen.Add((dst, ProtocolType.Tcp, tcp.DestinationPort)));
                        Assert.InRange(tcp.SourcePort, 1024, 65535);
                        break;
                    case UdpPacket udp:
                        Assert.Contains(udp.DestinationPort, udpPorts);
                        Assert.Equal(ip.TotalLength - 20, udp.Length);
                        Assert.True(udp.ValidUdpChecksum);
                        Assert.NotEqual(0, udp.Checksum);
                        if (udp.DestinationPort != 40000)                                         // a protocol probe, never an empty datagram
                            Assert.NotEmpty(udp.PayloadData ?? []);
                        Assert.True(seen.Add((dst, ProtocolType.Udp, udp.DestinationPort)));
                        break;
                    default:
                        Assert.Fail($"neither TCP nor UDP: {ip.Protocol}");
                        break;
                }
            }
            Assert.Equal(frames.Count, seen.Count);
        }
        finally { File.Delete(pcap); }
    }
}
