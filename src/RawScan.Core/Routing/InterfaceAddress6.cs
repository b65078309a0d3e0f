namespace RawScan.Routing;

/// <summary>
/// One IPv6 address of an interface, as /proc/net/if_inet6 gives it: the address (host order), the
/// interface's index and name, the prefix length, the scope (the kernel's IPV6_ADDR_SCOPE values:
/// 0x00 global, 0x10 loopback, 0x20 link, 0x40 site) and the address's IFA_F_* flags (low 8 bits).
/// </summary>
public sealed record InterfaceAddress6(string Interface, int Index, UInt128 Address, int PrefixLength, byte Scope, byte Flags)
{
    public const byte GlobalScope = 0x00, LoopbackScope = 0x10, LinkScope = 0x20, SiteScope = 0x40;
    // include/uapi/linux/if_addr.h
    public const byte Temporary = 0x01, NoDad = 0x02, Optimistic = 0x04, DadFailed = 0x08, Deprecated = 0x20, Tentative = 0x40, Permanent = 0x80;

    public bool IsGlobal => Scope == GlobalScope;
    public bool IsLinkLocal => Scope == LinkScope;

    /// <summary>
    /// The address can be a source now: not tentative (duplicate address detection still running: the
    /// kernel itself will not send from it), not failed DAD, not deprecated (RFC 4862 5.5.4: kept for
    /// existing connections only, not for new ones, which a scan's probes are).
    /// </summary>
    public bool IsUsable => (Flags & (Tentative | DadFailed | Deprecated)) == 0;
}

/// <summary>
/// Picks a scan's IPv6 source address on the interface its route leaves by, a subset of RFC 6724's
/// rules with a scanner's preferences: an address of the destination's scope (global, unless the
/// target is link-local or link-local is asked for), usable (<see cref="InterfaceAddress6.IsUsable"/>),
/// a stable address before a temporary (privacy) one, so replies and the target's logs name one
/// address across scans, then the longest prefix shared with the destination (rule 8). Null when the
/// interface has none: the caller asks for --source-ip.
/// </summary>
public static class SourceAddress6
{
    private static readonly UInt128 LinkLocalPrefix = new(0xfe80_0000_0000_0000UL, 0);

    /// <summary>fe80::/10.</summary>
    public static bool IsLinkLocal(UInt128 a) => (a & Route6.Mask(10)) == LinkLocalPrefix;

    public static UInt128? Choose(IEnumerable<InterfaceAddress6> addresses, string iface, UInt128 destination, bool linkLocal = false)
    {
        byte scope = linkLocal || IsLinkLocal(destination) ? InterfaceAddress6.LinkScope : InterfaceAddress6.GlobalScope;
        InterfaceAddress6? best = null;
        foreach (var a in addresses)
        {
            if (a.Interface != iface || a.Scope != scope || !a.IsUsable) continue;
            if (best is null || Better(a, best, destination)) best = a;
        }
        return best?.Address;
    }

    private static bool Better(InterfaceAddress6 a, InterfaceAddress6 than, UInt128 destination)
    {
        bool aTemporary = (a.Flags & InterfaceAddress6.Temporary) != 0, thanTemporary = (than.Flags & InterfaceAddress6.Temporary) != 0;
        if (aTemporary != thanTemporary) return !aTemporary;
        return CommonPrefix(a.Address, destination) > CommonPrefix(than.Address, destination);
    }

    private static int CommonPrefix(UInt128 a, UInt128 b) => (int)UInt128.LeadingZeroCount(a ^ b);
}
