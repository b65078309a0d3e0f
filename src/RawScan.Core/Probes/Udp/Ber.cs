namespace RawScan.Probes.Udp;

/// <summary>
/// Just enough of BER (X.690 section 8.1) to walk an SNMP message from the network: one-byte tags,
/// definite lengths in the short or long form. Every length is checked against what is left; a
/// malformed element makes <see cref="TryRead"/> return false, never throw or allocate.
/// </summary>
internal static class Ber
{
    /// <summary>Reads the element at the start of <paramref name="s"/>: its tag, its contents and what follows it.</summary>
    public static bool TryRead(ReadOnlySpan<byte> s, out byte tag, out ReadOnlySpan<byte> contents, out ReadOnlySpan<byte> rest)
    {
        tag = 0; contents = rest = default;
        if (s.Length < 2 || (s[0] & 0x1f) == 0x1f) return false;     // high-tag-number form: not SNMP's
        tag = s[0];
        int at = 2, length = s[1];
        if (length >= 0x80)
        {
            int n = length & 0x7f;                                     // 0: indefinite, not allowed in SNMP
            if (n is 0 or > 3 || s.Length < 2 + n) return false;       // 3 octets already exceed any datagram
            length = 0;
            for (int i = 0; i < n; i++) length = length << 8 | s[2 + i];
            at += n;
        }
        if (length > s.Length - at) return false;
        contents = s.Slice(at, length);
        rest = s[(at + length)..];
        return true;
    }

    /// <summary>A two's complement INTEGER of 1 to 8 contents octets.</summary>
    public static bool TryInteger(ReadOnlySpan<byte> contents, out long value)
    {
        value = 0;
        if (contents.Length is 0 or > 8) return false;
        value = (sbyte)contents[0];
        for (int i = 1; i < contents.Length; i++) value = value << 8 | contents[i];
        return true;
    }
}
