namespace RawScan.Targets;

/// <summary>An inclusive range of IPv4 addresses, host order.</summary>
public readonly record struct Ipv4Range(uint First, uint Last)
{
    public ulong Count => (ulong)Last - First + 1;

    public bool Contains(uint a) => a >= First && a <= Last;

    public static Ipv4Range FromCidr(uint network, int prefix)
    {
        uint mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
        uint first = network & mask;
        return new Ipv4Range(first, first | ~mask);
    }

    /// <summary>Parses one token: "a.b.c.d", "a.b.c.d/len" or "a.b.c.d-e.f.g.h".</summary>
    public static Ipv4Range Parse(string token, string what = "target")
    {
        var s = token.AsSpan().Trim();
        int slash = s.IndexOf('/');
        if (slash >= 0)
        {
            if (!Ipv4.TryParse(s[..slash], out uint net))
                throw new BadInputException(what, token, "not an IPv4 address (four dotted decimal octets)");
            var len = s[(slash + 1)..];
            if (len.Length is 0 or > 2 || !int.TryParse(len, out int prefix) || prefix > 32 || len[0] is '+' or '-')
                throw new BadInputException(what, token, "prefix length must be 0-32");
            return FromCidr(net, prefix);
        }
        int dash = s.IndexOf('-');
        if (dash >= 0)
        {
            if (!Ipv4.TryParse(s[..dash], out uint a) || !Ipv4.TryParse(s[(dash + 1)..], out uint b))
                throw new BadInputException(what, token, "a range is two full IPv4 addresses, first-last");
            if (b < a) throw new BadInputException(what, token, "range ends before it starts");
            return new Ipv4Range(a, b);
        }
        if (!Ipv4.TryParse(s, out uint single))
            throw new BadInputException(what, token, "not an IPv4 address, CIDR block or range (no shorthand forms)");
        return new Ipv4Range(single, single);
    }

    public override string ToString() => First == Last ? Ipv4.Format(First) : $"{Ipv4.Format(First)}-{Ipv4.Format(Last)}";
}
