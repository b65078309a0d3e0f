using System.Buffers.Binary;
using System.Diagnostics;
using RawScan.Interop;

namespace RawScan.Routing;

/// <summary>
/// ARP (RFC 826) done by the scanner itself: it resolves the next hop without the host's neighbour
/// table, and answers for a source address the host does not own, so replies reach the capture and
/// the host kernel never sees (nor RSTs) them.
/// </summary>
public static class Arp
{
    public const int FrameLength = 42;
    public const ushort Request = 1, Reply = 2;

    /// <summary>Writes an Ethernet ARP frame into <paramref name="f"/> (at least 42 bytes).</summary>
    public static int Write(Span<byte> f, ushort op, ReadOnlySpan<byte> senderMac, uint senderIp, ReadOnlySpan<byte> targetMac, uint targetIp, ReadOnlySpan<byte> ethDst)
    {
        ethDst.CopyTo(f);
        senderMac.CopyTo(f[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(f[12..], 0x0806);
        var a = f[14..];
        BinaryPrimitives.WriteUInt16BigEndian(a, 1);          // Ethernet
        BinaryPrimitives.WriteUInt16BigEndian(a[2..], 0x0800); // IPv4
        a[4] = 6; a[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(a[6..], op);
        senderMac.CopyTo(a[8..]);
        BinaryPrimitives.WriteUInt32BigEndian(a[14..], senderIp);
        targetMac.CopyTo(a[18..]);
        BinaryPrimitives.WriteUInt32BigEndian(a[24..], targetIp);
        return FrameLength;
    }

    /// <summary>Reads an Ethernet/IPv4 ARP frame; false when it is anything else or too short.</summary>
    public static bool TryRead(ReadOnlySpan<byte> f, out ushort op, out ReadOnlySpan<byte> senderMac, out uint senderIp, out uint targetIp)
    {
        op = 0; senderMac = default; senderIp = targetIp = 0;
        if (f.Length < FrameLength || BinaryPrimitives.ReadUInt16BigEndian(f[12..]) != 0x0806) return false;
        var a = f[14..];
        if (BinaryPrimitives.ReadUInt16BigEndian(a) != 1 || BinaryPrimitives.ReadUInt16BigEndian(a[2..]) != 0x0800 || a[4] != 6 || a[5] != 4)
            return false;
        op = BinaryPrimitives.ReadUInt16BigEndian(a[6..]);
        senderMac = a.Slice(8, 6);
        senderIp = BinaryPrimitives.ReadUInt32BigEndian(a[14..]);
        targetIp = BinaryPrimitives.ReadUInt32BigEndian(a[24..]);
        return true;
    }

    private static readonly byte[] Broadcast = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

    /// <summary>Asks for <paramref name="ip"/>'s MAC on the device, a few times; null if nobody answers.</summary>
    public static byte[]? Resolve(PcapDevice dev, ReadOnlySpan<byte> ourMac, uint ourIp, uint ip, int tries = 3, int waitMs = 1000)
    {
        Span<byte> frame = stackalloc byte[FrameLength];
        Write(frame, Request, ourMac, ourIp, stackalloc byte[6], ip, Broadcast);
        return NeighbourQuery.Ask(dev, $"arp and arp[6:2] = 2 and arp[14:4] = {ip}", frame, "ARP request",
            reply => TryRead(reply, out var op, out var mac, out var sender, out _) && op == Reply && sender == ip ? mac.ToArray() : null, tries, waitMs);
    }
}
