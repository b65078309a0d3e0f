using System.Buffers.Binary;

namespace RawScan.Targets;

/// <summary>IPv4 addresses as host-order <see cref="uint"/>: strict dotted-quad parsing and formatting.</summary>
public static class Ipv4
{
    /// <summary>
    /// Parses exactly four decimal octets. Unlike inet_aton (and IPAddress.Parse), shorthand such as
    /// "198.18.1" or "10.1" is rejected: a scanner must never guess which host the user meant.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> s, out uint address)
    {
        address = 0;
        int octets = 0, i = 0;
        while (true)
        {
            int start = i, value = 0;
            while (i < s.Length && (uint)(s[i] - '0') <= 9)
            {
                value = value * 10 + (s[i] - '0');
                if (value > 255 || i - start >= 3) return false;
                i++;
            }
            if (i == start) return false;
            if (i - start > 1 && s[start] == '0') return false; // "010" is octal to inet_aton: refuse
            address = (address << 8) | (uint)value;
            octets++;
            if (octets == 4) return i == s.Length;
            if (i >= s.Length || s[i] != '.') return false;
            i++;
        }
    }

    public static string Format(uint a)
    {
        Span<char> s = stackalloc char[MaxLength];
        return new string(s[..Format(a, s)]);
    }

    /// <summary>The longest dotted quad: "255.255.255.255".</summary>
    public const int MaxLength = 15;

    /// <summary>Writes the dotted quad into <paramref name="to"/> (at least <see cref="MaxLength"/> chars) and returns its length: no allocation.</summary>
    public static int Format(uint a, Span<char> to)
    {
        int n = 0;
        for (int shift = 24; shift >= 0; shift -= 8)
        {
            uint octet = (a >> shift) & 0xff;
            if (octet >= 100) to[n++] = (char)('0' + octet / 100);
            if (octet >= 10) to[n++] = (char)('0' + octet / 10 % 10);
            to[n++] = (char)('0' + octet % 10);
            if (shift > 0) to[n++] = '.';
        }
        return n;
    }

    public static uint FromBytes(ReadOnlySpan<byte> b) => BinaryPrimitives.ReadUInt32BigEndian(b);

    public static uint FromIPAddress(System.Net.IPAddress ip)
    {
        Span<byte> b = stackalloc byte[4];
        if (!ip.TryWriteBytes(b, out int n) || n != 4) throw new ArgumentException("not an IPv4 address", nameof(ip));
        return BinaryPrimitives.ReadUInt32BigEndian(b);
    }
}
