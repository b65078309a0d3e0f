using System.Buffers.Binary;
using RawScan.Targets;

namespace RawScan.Transmit;

/// <summary>
/// --packet-trace: prints each frame sent, then passes the batch on. One line and a string per
/// packet, so it is for small scans and debugging, never the fast path.
/// </summary>
internal sealed class TracingSink(IFrameSink inner, TextWriter trace) : IFrameSink
{
    public string Name => inner.Name;

    public int Send(FrameBatch batch)
    {
        for (int i = 0; i < batch.Count; i++) trace.WriteLine($"SENT {Describe(batch.Frame(i))}");
        return inner.Send(batch);
    }

    /// <summary>"198.19.0.2:61000 > 198.18.0.1:80 S seq=..." for an IPv4/TCP frame; the length otherwise.</summary>
    public static string Describe(ReadOnlySpan<byte> f)
    {
        if (f.Length < 54 || BinaryPrimitives.ReadUInt16BigEndian(f[12..]) != 0x0800 || f[23] != 6) return $"{f.Length}-byte frame";
        int ihl = (f[14] & 0x0f) * 4;
        var tcp = f[(14 + ihl)..];
        if (tcp.Length < 20) return $"{f.Length}-byte frame";
        byte flags = tcp[13];
        string names = string.Concat(
            (flags & 0x02) != 0 ? "S" : "", (flags & 0x10) != 0 ? "A" : "", (flags & 0x04) != 0 ? "R" : "", (flags & 0x01) != 0 ? "F" : "");
        return $"{Ipv4.Format(BinaryPrimitives.ReadUInt32BigEndian(f[26..]))}:{BinaryPrimitives.ReadUInt16BigEndian(tcp)} > " +
               $"{Ipv4.Format(BinaryPrimitives.ReadUInt32BigEndian(f[30..]))}:{BinaryPrimitives.ReadUInt16BigEndian(tcp[2..])} {names} " +
               $"seq={BinaryPrimitives.ReadUInt32BigEndian(tcp[4..])} ack={BinaryPrimitives.ReadUInt32BigEndian(tcp[8..])} ttl={f[22]}";
    }

    public void Dispose() => inner.Dispose();
}
