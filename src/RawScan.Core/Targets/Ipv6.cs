using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace RawScan.Targets;

/// <summary>
/// IPv6 addresses as host-order <see cref="UInt128"/> (the first byte on the wire is the most
/// significant), as <see cref="Receive.Packet"/> reads them: parsing, RFC 5952 formatting, and the
/// byte order of the wire. Scope ids ("%eth0") and IPv4-embedded forms other than the standard
/// textual ones are refused: a scanner must not guess which host the user meant.
/// </summary>
public static class Ipv6
{
    /// <summary>The longest RFC 5952 text: "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" is 45.</summary>
    public const int MaxLength = 45;

    public static bool TryParse(ReadOnlySpan<char> s, out UInt128 address)
    {
        address = 0;
        if (s.IsEmpty || s.Contains('%') || !s.Contains(':')) return false;
        if (!IPAddress.TryParse(s, out var ip) || ip.AddressFamily != AddressFamily.InterNetworkV6) return false;
        Span<byte> b = stackalloc byte[16];
        ip.TryWriteBytes(b, out _);
        address = FromBytes(b);
        return true;
    }

    public static UInt128 Parse(string s) => TryParse(s, out var a) ? a : throw new FormatException($"'{s}' is not an IPv6 address");

    /// <summary>RFC 5952 text: lower case, the longest run of zero groups as "::".</summary>
    public static string Format(UInt128 a)
    {
        Span<char> s = stackalloc char[MaxLength];
        return new string(s[..Format(a, s)]);
    }

    /// <summary>Writes RFC 5952 text into <paramref name="to"/> (at least <see cref="MaxLength"/> chars); returns its length. No allocation.</summary>
    public static int Format(UInt128 a, Span<char> to)
    {
        Span<ushort> g = stackalloc ushort[8];
        for (int i = 0; i < 8; i++) g[i] = (ushort)(a >> (112 - 16 * i));
        // The longest run of two or more zero groups (the first if tied) becomes "::".
        int bestAt = -1, bestLength = 1;
        for (int i = 0; i < 8;)
        {
            if (g[i] != 0) { i++; continue; }
            int j = i;
            while (j < 8 && g[j] == 0) j++;
            if (j - i > bestLength) { bestAt = i; bestLength = j - i; }
            i = j;
        }
        int n = 0;
        for (int i = 0; i < 8; i++)
        {
            if (i == bestAt)
            {
                to[n++] = ':';
                if (i == 0) to[n++] = ':';
                i += bestLength - 1;
                continue;
            }
            n += WriteHex(g[i], to[n..]);
            if (i < 7) to[n++] = ':';
        }
        return n;
    }

    private static int WriteHex(ushort v, Span<char> to)
    {
        int n = 0;
        bool started = false;
        for (int shift = 12; shift >= 0; shift -= 4)
        {
            int d = (v >> shift) & 0xf;
            if (d == 0 && !started && shift > 0) continue;
            started = true;
            to[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        }
        return n;
    }

    public static UInt128 FromBytes(ReadOnlySpan<byte> b) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(b), BinaryPrimitives.ReadUInt64BigEndian(b[8..]));

    public static void WriteBytes(UInt128 a, Span<byte> to)
    {
        BinaryPrimitives.WriteUInt64BigEndian(to, (ulong)(a >> 64));
        BinaryPrimitives.WriteUInt64BigEndian(to[8..], (ulong)a);
    }
}
