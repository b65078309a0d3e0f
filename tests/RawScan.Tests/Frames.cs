using System.Buffers.Binary;
using RawScan.Probes;

namespace RawScan.Tests;

/// <summary>Builds reply frames by hand, field by field, the way a target's kernel would send them.</summary>
internal static class Frames
{
    public static readonly byte[] ScannerMac = [0x02, 0, 0, 0, 0, 0x02];
    public static readonly byte[] TargetMac = [0x02, 0, 0, 0, 0, 0x01];

    public static byte[] Tcp(uint src, uint dst, ushort sport, ushort dport, uint seq, uint ack, byte flags, int ipOptions = 0, bool vlan = false)
    {
        int eth = vlan ? 18 : 14, ihl = 20 + ipOptions;
        var f = new byte[eth + ihl + 20];
        TargetMac.CopyTo(f, 6);
        ScannerMac.CopyTo(f, 0);
        if (vlan) { BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), 0x8100); BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(14), 7); }
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(eth - 2), 0x0800);
        var ip = f.AsSpan(eth, ihl);
        ip[0] = (byte)(0x40 | ihl / 4);
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(ihl + 20));
        ip[8] = 64; ip[9] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(ip[12..], src);
        BinaryPrimitives.WriteUInt32BigEndian(ip[16..], dst);
        for (int i = 20; i < ihl; i++) ip[i] = 1; // NOP options
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum.Compute(ip));
        var t = f.AsSpan(eth + ihl);
        BinaryPrimitives.WriteUInt16BigEndian(t, sport);
        BinaryPrimitives.WriteUInt16BigEndian(t[2..], dport);
        BinaryPrimitives.WriteUInt32BigEndian(t[4..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(t[8..], ack);
        t[12] = 5 << 4; t[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(t[14..], 65535);
        BinaryPrimitives.WriteUInt16BigEndian(t[16..], Checksum.Finish(Checksum.Add(t, Checksum.PseudoHeader(src, dst, 6, 20))));
        return f;
    }
}
