using System.Buffers.Binary;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// Reads a classic pcap file (the format RawScan's --write-pcap writes: little-endian, microsecond
/// timestamps, LINKTYPE_ETHERNET), checking its global header, so PacketDotNet can decode each frame
/// in process. Written from the format's description (pcap-savefile(5)), not from RawScan's writer.
/// </summary>
internal static class PcapFileReader
{
    public static List<byte[]> Frames(string path)
    {
        var b = File.ReadAllBytes(path);
        Assert.True(b.Length >= 24, "no pcap global header");
        Assert.Equal(0xa1b2c3d4u, BinaryPrimitives.ReadUInt32LittleEndian(b));            // microseconds, little-endian
        Assert.Equal((2, 4), (BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(4)), BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(6))));
        uint snaplen = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(16));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(20)));          // LINKTYPE_ETHERNET
        var frames = new List<byte[]>();
        for (int at = 24; at < b.Length;)
        {
            Assert.True(b.Length - at >= 16, $"a record header cut at byte {at}");
            uint included = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at + 8)), original = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at + 12));
            Assert.True(BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at + 4)) < 1_000_000, "microseconds past a second");
            Assert.Equal(original, included);                                                 // every frame whole
            Assert.True(included <= snaplen && at + 16 + included <= b.Length, $"record at byte {at}: {included} bytes");
            frames.Add(b.AsSpan(at + 16, (int)included).ToArray());
            at += 16 + (int)included;
        }
        return frames;
    }
}
