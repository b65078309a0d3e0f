using System.Globalization;
using RawScan.Targets;

namespace RawScan.Lab;

/// <summary>
/// An IPv6 CIDR block of the lab, addresses as host-order <see cref="UInt128"/> (<see cref="Ipv6"/>):
/// every IPv6 range the lab is made of is one, so iproute2, nft and truth.json all take it as written.
/// </summary>
/// <remarks>The lab's own type, not a target range: the scanner's IPv6 targets are the core's to define.</remarks>
public readonly record struct Ipv6Prefix
{
    /// <summary>The block holding <paramref name="address"/>: its host bits are cleared.</summary>
    public Ipv6Prefix(UInt128 address, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, 128);
        Length = length;
        First = address & Mask(length);
    }

    public UInt128 First { get; }

    public int Length { get; }

    public UInt128 Last => First | ~Mask(Length);

    public bool Contains(UInt128 a) => (a & Mask(Length)) == First;

    /// <summary>"2001:db8:1::/64"; a bare address is its /128.</summary>
    /// <exception cref="BadInputException">Not an IPv6 address with an optional /0-128.</exception>
    public static Ipv6Prefix Parse(string token, string what = "IPv6 prefix")
    {
        var s = token.AsSpan().Trim();
        int slash = s.IndexOf('/');
        if (!Ipv6.TryParse(slash < 0 ? s : s[..slash], out UInt128 address))
            throw new BadInputException(what, token, "not an IPv6 address or prefix (address/length)");
        if (slash < 0) return new Ipv6Prefix(address, 128);
        var len = s[(slash + 1)..];
        if (len.Length is 0 or > 3 || len[0] is '+' or '-' || !int.TryParse(len, NumberStyles.None, CultureInfo.InvariantCulture, out int length) || length > 128)
            throw new BadInputException(what, token, "prefix length must be 0-128");
        return new Ipv6Prefix(address, length);
    }

    public override string ToString() => $"{Ipv6.Format(First)}/{Length}";

    private static UInt128 Mask(int length) => length == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - length);
}
