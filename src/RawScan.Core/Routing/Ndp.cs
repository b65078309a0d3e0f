using System.Buffers.Binary;
using System.Diagnostics;
using RawScan.Interop;
using RawScan.Probes;
using RawScan.Targets;

namespace RawScan.Routing;

/// <summary>
/// IPv6 Neighbor Discovery (RFC 4861) done by the scanner itself, as <see cref="Arp"/> is for IPv4: a
/// Neighbor Solicitation to the next hop's solicited-node multicast address resolves its MAC without
/// the host's neighbour table, and a Neighbor Advertisement answers for a source address the host
/// does not own, so replies reach the capture and the host kernel never sees (nor resets) them.
/// Frames are Ethernet + a 40-byte IPv6 header (hop limit 255, which proves to the receiver that the
/// message did not cross a router: RFC 4861 7.1) + the ICMPv6 message with one link-layer address
/// option; nothing here allocates but <see cref="Resolve"/>'s answer.
/// </summary>
public static class Ndp
{
    public const byte NeighborSolicitation = 135, NeighborAdvertisement = 136;
    public const byte RouterFlag = 0x80, SolicitedFlag = 0x40, OverrideFlag = 0x20;
    public const byte SourceLinkLayerOption = 1, TargetLinkLayerOption = 2;

    /// <summary>Ethernet 14 + IPv6 40 + ICMPv6 24 (type, code, checksum, flags/reserved, target) + one 8-byte link-layer address option.</summary>
    public const int FrameLength = 14 + 40 + 24 + 8;
    private const int IcmpOffset = 14 + 40, MessageLength = 24 + 8;

    /// <summary>ff02::1, all nodes: where an advertisement answering a solicitation from :: goes (RFC 4861 7.2.4).</summary>
    public static readonly UInt128 AllNodes = new(0xff02_0000_0000_0000UL, 1);

    private static readonly UInt128 SolicitedNodePrefix = new(0xff02_0000_0000_0000UL, 0x0000_0001_ff00_0000UL);

    /// <summary>The solicited-node multicast address of <paramref name="target"/>: ff02::1:ff00:0/104 and its low 24 bits (RFC 4291 2.7.1).</summary>
    public static UInt128 SolicitedNode(UInt128 target) => SolicitedNodePrefix | (target & 0xff_ffff);

    /// <summary>The Ethernet address of an IPv6 multicast group: 33:33 and the group's low 32 bits (RFC 2464 7).</summary>
    public static void MulticastMac(UInt128 group, Span<byte> mac)
    {
        mac[0] = 0x33; mac[1] = 0x33;
        BinaryPrimitives.WriteUInt32BigEndian(mac[2..], (uint)group);
    }

    /// <summary>
    /// Writes a Neighbor Solicitation for <paramref name="target"/> from <paramref name="ourIp"/> into
    /// <paramref name="f"/> (at least <see cref="FrameLength"/> bytes): to the target's solicited-node
    /// group, carrying our link-layer address so the target can answer without asking back.
    /// </summary>
    public static int WriteSolicitation(Span<byte> f, ReadOnlySpan<byte> ourMac, UInt128 ourIp, UInt128 target)
    {
        UInt128 group = SolicitedNode(target);
        MulticastMac(group, f);
        return Write(f, ourMac, ourIp, group, NeighborSolicitation, 0, target, SourceLinkLayerOption);
    }

    /// <summary>
    /// Writes the Neighbor Advertisement that says <paramref name="ourIp"/> is at <paramref name="ourMac"/>,
    /// to <paramref name="toIp"/> at <paramref name="toMac"/> (at least <see cref="FrameLength"/> bytes).
    /// <paramref name="flags"/>: <see cref="SolicitedFlag"/> when it answers a solicitation,
    /// <see cref="OverrideFlag"/> to replace what the receiver's cache holds.
    /// </summary>
    public static int WriteAdvertisement(Span<byte> f, ReadOnlySpan<byte> ourMac, UInt128 ourIp, ReadOnlySpan<byte> toMac, UInt128 toIp, byte flags)
    {
        toMac.CopyTo(f);
        return Write(f, ourMac, ourIp, toIp, NeighborAdvertisement, flags, ourIp, TargetLinkLayerOption);
    }

    private static int Write(Span<byte> f, ReadOnlySpan<byte> ourMac, UInt128 src, UInt128 dst, byte type, byte flags, UInt128 target, byte option)
    {
        ourMac.CopyTo(f[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(f[12..], 0x86DD);
        var ip = f.Slice(14, 40);
        BinaryPrimitives.WriteUInt32BigEndian(ip, 0x6000_0000u);
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], MessageLength);
        ip[6] = 58;                                                          // ICMPv6
        ip[7] = 255;
        Ipv6.WriteBytes(src, ip[8..]);
        Ipv6.WriteBytes(dst, ip[24..]);
        var m = f.Slice(IcmpOffset, MessageLength);
        m[0] = type; m[1] = 0;
        m[2] = m[3] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(m[4..], (uint)flags << 24);    // R S O and 29 reserved bits (zero in a solicitation)
        Ipv6.WriteBytes(target, m[8..]);
        m[24] = option; m[25] = 1;                                           // length in units of 8 bytes
        ourMac.CopyTo(m[26..]);
        BinaryPrimitives.WriteUInt16BigEndian(m[2..], Checksum.Finish(Checksum.Add(m, Checksum.PseudoHeader6(src, dst, 58, MessageLength))));
        return FrameLength;
    }

    /// <summary>A Neighbor Discovery message that passed RFC 4861's validity checks (7.1.1, 7.1.2).</summary>
    public readonly ref struct Message
    {
        public byte Type { get; init; }
        public byte Flags { get; init; }                       // advertisements: R, S, O
        public UInt128 Source { get; init; }                   // the IPv6 source (:: for duplicate address detection)
        public UInt128 Destination { get; init; }
        public UInt128 Target { get; init; }
        /// <summary>The link-layer address option (source's in a solicitation, target's in an advertisement); empty when there is none.</summary>
        public ReadOnlySpan<byte> LinkLayerAddress { get; init; }
        /// <summary>The frame's Ethernet source.</summary>
        public ReadOnlySpan<byte> EthernetSource { get; init; }

        public bool Solicited => (Flags & SolicitedFlag) != 0;
        public bool Override => (Flags & OverrideFlag) != 0;
        public bool Router => (Flags & RouterFlag) != 0;
    }

    /// <summary>
    /// Reads a Neighbor Solicitation or Advertisement (one 802.1Q tag allowed, no extension headers:
    /// Neighbor Discovery never uses them), with RFC 4861's checks: hop limit 255, code 0, a valid
    /// ICMPv6 checksum, a target that is not multicast, options of non-zero length within the message;
    /// a solicitation from :: must go to a solicited-node group and carry no source link-layer address;
    /// a solicited advertisement must not go to a multicast group. False for anything else.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> f, out Message message)
    {
        message = default;
        int off = 12;
        if (f.Length < off + 2) return false;
        ushort etherType = BinaryPrimitives.ReadUInt16BigEndian(f[off..]);
        if (etherType == 0x8100)
        {
            off += 4;
            if (f.Length < off + 2) return false;
            etherType = BinaryPrimitives.ReadUInt16BigEndian(f[off..]);
        }
        off += 2;
        if (etherType != 0x86DD || f.Length < off + 40 + 24) return false;
        var ip = f[off..];
        int payload = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
        if (ip[0] >> 4 != 6 || ip[6] != 58 || ip[7] != 255 || payload < 24 || ip.Length < 40 + payload) return false;
        var m = ip.Slice(40, payload);
        if (m[0] is not (NeighborSolicitation or NeighborAdvertisement) || m[1] != 0) return false;
        UInt128 src = BinaryPrimitives.ReadUInt128BigEndian(ip[8..]), dst = BinaryPrimitives.ReadUInt128BigEndian(ip[24..]);
        if (Checksum.Fold(Checksum.Add(m, Checksum.PseudoHeader6(src, dst, 58, payload))) != 0xffff) return false;
        UInt128 target = BinaryPrimitives.ReadUInt128BigEndian(m[8..]);
        if (IsMulticast(target)) return false;

        byte wanted = m[0] == NeighborSolicitation ? SourceLinkLayerOption : TargetLinkLayerOption;
        ReadOnlySpan<byte> linkLayer = default;
        for (var o = m[24..]; o.Length > 0;)
        {
            if (o.Length < 8 || o[1] == 0 || o.Length < o[1] * 8) return false;
            if (o[0] == wanted && o[1] == 1) linkLayer = o.Slice(2, 6);
            o = o[(o[1] * 8)..];
        }
        byte flags = m[0] == NeighborAdvertisement ? (byte)(m[4] & (RouterFlag | SolicitedFlag | OverrideFlag)) : (byte)0;
        if (m[0] == NeighborSolicitation && src == 0 && ((dst & ~(UInt128)0xff_ffff) != SolicitedNodePrefix || !linkLayer.IsEmpty)) return false;
        if (m[0] == NeighborAdvertisement && (flags & SolicitedFlag) != 0 && IsMulticast(dst)) return false;
        message = new Message
        {
            Type = m[0], Flags = flags, Source = src, Destination = dst, Target = target,
            LinkLayerAddress = linkLayer, EthernetSource = f.Slice(6, 6),
        };
        return true;
    }

    private static bool IsMulticast(UInt128 a) => (byte)(a >> 120) == 0xff;

    /// <summary>
    /// The receive loop's one call for a source address the host does not own: when
    /// <paramref name="frame"/> is a Neighbor Solicitation for <paramref name="ourIp"/> (address
    /// resolution to our solicited-node group, or a unicast reachability probe), writes into
    /// <paramref name="reply"/> the solicited advertisement that answers it, to the asker at the
    /// link-layer address it gave (else the frame's Ethernet source), and returns its length; 0 for
    /// any other frame. A duplicate address detection probe (from ::) is not answered: the scanner
    /// borrows the address for a scan and does not defend it against a host configuring it.
    /// </summary>
    public static int Answer(ReadOnlySpan<byte> frame, ReadOnlySpan<byte> ourMac, UInt128 ourIp, Span<byte> reply)
    {
        if (!TryRead(frame, out var ns) || ns.Type != NeighborSolicitation || ns.Target != ourIp || ns.Source == 0) return 0;
        var to = ns.LinkLayerAddress.IsEmpty ? ns.EthernetSource : ns.LinkLayerAddress;
        return WriteAdvertisement(reply, ourMac, ourIp, to, ns.Source, SolicitedFlag | OverrideFlag);
    }

    /// <summary>
    /// A capture filter for the solicitations <see cref="Answer"/> answers: ICMPv6 type 135 (right
    /// after the IPv6 header) whose target is <paramref name="ourIp"/>. The solicited-node group's
    /// frames reach the capture only if the interface receives that multicast group: promiscuous
    /// mode, or the group joined on the capture's socket (<see cref="MulticastMac"/> of <see cref="SolicitedNode"/>).
    /// </summary>
    public static string SolicitationFilter(UInt128 ourIp) => $"icmp6 and ip6[40] = {NeighborSolicitation} and {Words("ip6", 48, ourIp)}";

    /// <summary>A capture filter for advertisements whose target is <paramref name="target"/> (what <see cref="Resolve"/> waits for).</summary>
    public static string AdvertisementFilter(UInt128 target) => $"icmp6 and ip6[40] = {NeighborAdvertisement} and {Words("ip6", 48, target)}";

    private static string Words(string proto, int offset, UInt128 a) =>
        string.Join(" and ", Enumerable.Range(0, 4).Select(i => $"{proto}[{offset + 4 * i}:4] = 0x{(uint)(a >> (96 - 32 * i)):x8}"));

    /// <summary>Asks for <paramref name="ip"/>'s MAC on the device, a few times; null if nobody answers.</summary>
    public static byte[]? Resolve(PcapDevice dev, ReadOnlySpan<byte> ourMac, UInt128 ourIp, UInt128 ip, int tries = 3, int waitMs = 1000)
    {
        Span<byte> frame = stackalloc byte[FrameLength];
        WriteSolicitation(frame, ourMac, ourIp, ip);
        // An advertisement without the target's link-layer address (allowed only in answer to a
        // unicast solicitation, which we never send) falls back to the frame's Ethernet source.
        return NeighbourQuery.Ask(dev, AdvertisementFilter(ip), frame, "a neighbor solicitation",
            reply => TryRead(reply, out var na) && na.Type == NeighborAdvertisement && na.Target == ip
                ? (na.LinkLayerAddress.IsEmpty ? na.EthernetSource : na.LinkLayerAddress).ToArray() : null, tries, waitMs);
    }
}
