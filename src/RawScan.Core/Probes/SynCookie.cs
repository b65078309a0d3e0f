using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace RawScan.Probes;

/// <summary>
/// The stateless proof that a reply answers one of our probes: the SYN's sequence number is a keyed
/// hash of the four-tuple and protocol, so a SYN-ACK or RST whose ack-1 is not the cookie is not ours
/// (masscan syn-cookie.c). The key is random per scan unless a seed fixes it.
/// </summary>
internal readonly struct SynCookie
{
    private readonly ulong _k0, _k1;

    public SynCookie(ulong k0, ulong k1) { _k0 = k0; _k1 = k1; }

    public static SynCookie Random()
    {
        Span<byte> key = stackalloc byte[16];
        RandomNumberGenerator.Fill(key);
        return new SynCookie(BitConverter.ToUInt64(key), BitConverter.ToUInt64(key[8..]));
    }

    /// <summary>32-bit cookie for the probe (src, dst, sport, dport, protocol), all host order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Compute(uint src, uint dst, ushort sport, ushort dport, byte protocol = 6)
    {
        ulong m0 = ((ulong)dst << 32) | src;
        ulong m1 = ((ulong)protocol << 32) | ((uint)dport << 16) | sport;
        return (uint)SipHash.Hash16(_k0, _k1, m0, m1);
    }

    /// <summary>
    /// 32-bit cookie for an IPv6 probe, same key: SipHash over all 256 bits of the two addresses, the
    /// ports and the protocol (40 bytes), not a fold of the addresses into 32 bits, which two targets
    /// of one /64 could share. The message length differs from the IPv4 form's (16 bytes), and SipHash
    /// hashes the length, so the two families' cookies are independent.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Compute(UInt128 src, UInt128 dst, ushort sport, ushort dport, byte protocol = 6)
    {
        ulong m4 = ((ulong)protocol << 32) | ((uint)dport << 16) | sport;
        return (uint)SipHash.Hash40(_k0, _k1, (ulong)(src >> 64), (ulong)src, (ulong)(dst >> 64), (ulong)dst, m4);
    }
}
