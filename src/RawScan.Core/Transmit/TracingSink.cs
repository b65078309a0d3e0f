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

    /// <summary>
    /// "198.19.0.2:61000 > 198.18.0.1:80 S seq=... ack=... ttl=64" for a TCP frame, "[2001:db8:ff::2]:61000 >
    /// [2001:db8:1::5]:80 ..." over IPv6 (hop limit for ttl); "... udp len=N" for UDP; the length otherwise.
    /// </summary>
    public static string Describe(ReadOnlySpan<byte> f)
    {
        if (f.Length < 34) return $"{f.Length}-byte frame";
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(f[12..]);
        string src, dst;
        byte protocol, ttl;
        ReadOnlySpan<byte> l4;
        if (type == 0x0800)
        {
            int ihl = (f[14] & 0x0f) * 4;
            (src, dst, protocol, ttl) = (Ipv4.Format(BinaryPrimitives.ReadUInt32BigEndian(f[26..])), Ipv4.Format(BinaryPrimitives.ReadUInt32BigEndian(f[30..])), f[23], f[22]);
            l4 = f[Math.Min(f.Length, 14 + ihl)..];
        }
        else if (type == 0x86DD && f.Length >= 54)
        {
            (src, dst, protocol, ttl) = ($"[{Ipv6.Format(Ipv6.FromBytes(f[22..]))}]", $"[{Ipv6.Format(Ipv6.FromBytes(f[38..]))}]", f[20], f[21]);
            l4 = f[54..];
        }
        else return $"{f.Length}-byte frame";
        if (protocol == 17 && l4.Length >= 8)
            return $"{src}:{BinaryPrimitives.ReadUInt16BigEndian(l4)} > {dst}:{BinaryPrimitives.ReadUInt16BigEndian(l4[2..])} udp len={BinaryPrimitives.ReadUInt16BigEndian(l4[4..]) - 8} ttl={ttl}";
        if (protocol != 6 || l4.Length < 20) return $"{f.Length}-byte frame";
        byte flags = l4[13];
        string names = string.Concat(
            (flags & 0x02) != 0 ? "S" : "", (flags & 0x10) != 0 ? "A" : "", (flags & 0x04) != 0 ? "R" : "", (flags & 0x01) != 0 ? "F" : "");
        return $"{src}:{BinaryPrimitives.ReadUInt16BigEndian(l4)} > {dst}:{BinaryPrimitives.ReadUInt16BigEndian(l4[2..])} {names} " +
               $"seq={BinaryPrimitives.ReadUInt32BigEndian(l4[4..])} ack={BinaryPrimitives.ReadUInt32BigEndian(l4[8..])} ttl={ttl}";
    }

    public void Dispose() => inner.Dispose();
}
