namespace RawScan.Targets;

/// <summary>
/// An address of either family as one host-order <see cref="UInt128"/>: an IPv6 address as itself, an
/// IPv4 address as its IPv4-mapped form ::ffff:a.b.c.d (RFC 4291 2.5.5.2). One type and one order for
/// targets, results and reports, with IPv4 sorting before every global IPv6 address; the send and
/// receive paths take the 32-bit form of an IPv4 address (<see cref="ToV4"/>), so IPv4 frames cost
/// what they did. "::ffff:198.18.0.1" typed by a user is that IPv4 address: it cannot be sent as IPv6.
/// </summary>
public static class Ip
{
    private static readonly UInt128 MappedPrefix = (UInt128)0xffff << 32;

    /// <summary>The longest text of either family (<see cref="Ipv6.MaxLength"/>).</summary>
    public const int MaxLength = Ipv6.MaxLength;

    public static UInt128 V4(uint a) => MappedPrefix | a;

    public static bool IsV4(UInt128 a) => (a >> 32) == 0xffff;

    /// <summary>The 32-bit form of an IPv4 address (<see cref="IsV4"/>).</summary>
    public static uint ToV4(UInt128 a) => (uint)a;

    /// <summary>The first and last of the IPv4 addresses in this form.</summary>
    public static UInt128 FirstV4 => V4(0);
    public static UInt128 LastV4 => V4(uint.MaxValue);

    /// <summary>A dotted quad, or an IPv6 address (which has a colon), as typed: strict, no shorthand.</summary>
    public static bool TryParse(ReadOnlySpan<char> s, out UInt128 address)
    {
        if (Ipv4.TryParse(s, out uint v4)) { address = V4(v4); return true; }
        return Ipv6.TryParse(s, out address);
    }

    public static string Format(UInt128 a) => IsV4(a) ? Ipv4.Format(ToV4(a)) : Ipv6.Format(a);

    /// <summary>Writes the address's text into <paramref name="to"/> (at least <see cref="MaxLength"/> chars); returns its length. No allocation.</summary>
    public static int Format(UInt128 a, Span<char> to) => IsV4(a) ? Ipv4.Format(ToV4(a), to) : Ipv6.Format(a, to);
}
