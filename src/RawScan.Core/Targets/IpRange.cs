namespace RawScan.Targets;

/// <summary>
/// An inclusive range of addresses of one family (<see cref="Ip"/>: IPv4 in its mapped form). A
/// range never holds addresses of both families: parsing refuses one that would.
/// </summary>
public readonly record struct IpRange(UInt128 First, UInt128 Last)
{
    public static IpRange FromV4(Ipv4Range r) => new(Ip.V4(r.First), Ip.V4(r.Last));

    public bool IsV4 => Ip.IsV4(First);

    /// <summary>The IPv4 range, for an IPv4 one (<see cref="IsV4"/>).</summary>
    public Ipv4Range ToV4() => new(Ip.ToV4(First), Ip.ToV4(Last));

    /// <summary>How many addresses; <see cref="UInt128.MaxValue"/> for all of them (::/0 holds one more than that).</summary>
    public UInt128 Count => First == UInt128.Zero && Last == UInt128.MaxValue ? UInt128.MaxValue : Last - First + 1;

    public bool Contains(UInt128 a) => a >= First && a <= Last;

    public static IpRange FromCidr6(UInt128 network, int prefix)
    {
        UInt128 mask = prefix == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - prefix);
        UInt128 first = network & mask;
        return new IpRange(first, first | ~mask);
    }

    /// <summary>
    /// One token: an IPv4 address, CIDR block or range (<see cref="Ipv4Range.Parse"/>), or an IPv6
    /// address, prefix ("2001:db8:1::/112") or range ("2001:db8::1-2001:db8::ff"), told apart by a colon.
    /// </summary>
    public static IpRange Parse(string token, string what = "target")
    {
        var s = token.AsSpan().Trim();
        if (!s.Contains(':')) return FromV4(Ipv4Range.Parse(token, what));
        int slash = s.IndexOf('/');
        IpRange r;
        if (slash >= 0)
        {
            if (!Ipv6.TryParse(s[..slash], out var net)) throw new BadInputException(what, token, "not an IPv6 address before the prefix length");
            var len = s[(slash + 1)..];
            if (len.Length is 0 or > 3 || !int.TryParse(len, out int prefix) || prefix > 128 || len[0] is '+' or '-')
                throw new BadInputException(what, token, "IPv6 prefix length must be 0-128");
            r = FromCidr6(net, prefix);
        }
        else if (s.IndexOf('-') is int dash and >= 0)
        {
            if (!Ipv6.TryParse(s[..dash], out var a) || !Ipv6.TryParse(s[(dash + 1)..], out var b))
                throw new BadInputException(what, token, "an IPv6 range is two full IPv6 addresses, first-last");
            if (b < a) throw new BadInputException(what, token, "range ends before it starts");
            r = new IpRange(a, b);
        }
        else if (Ipv6.TryParse(s, out var single)) r = new IpRange(single, single);
        else throw new BadInputException(what, token, "not an IPv6 address, prefix or range (no scope ids)");
        // ::ffff:a.b.c.d is how IPv4 addresses are held: a range is all of them, or none.
        bool firstV4 = Ip.IsV4(r.First), lastV4 = Ip.IsV4(r.Last);
        if (firstV4 != lastV4 || (!firstV4 && r.First < Ip.FirstV4 && r.Last > Ip.LastV4))
            throw new BadInputException(what, token, "mixes IPv4-mapped (::ffff:0:0/96) and other IPv6 addresses: give them apart");
        return r;
    }

    public override string ToString()
    {
        if (IsV4) return ToV4().ToString();
        return First == Last ? Ipv6.Format(First) : $"{Ipv6.Format(First)}-{Ipv6.Format(Last)}";
    }
}
