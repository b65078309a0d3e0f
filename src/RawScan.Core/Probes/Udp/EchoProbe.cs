namespace RawScan.Probes.Udp;

/// <summary>
/// Echo (port 7, RFC 862): the service sends back what it received, so a line carrying the cookie in
/// hex proves itself when it comes back whole. Not an empty datagram: socat's UDP echo takes a
/// zero-length datagram for end of input and answers nothing (nmap's 4-byte probe is echoed).
/// A reply that is not our line is still an answer from the port (udp-response), left to the table.
/// </summary>
internal sealed class EchoProbe : IUdpProbe
{
    public static EchoProbe Instance { get; } = new();

    private static ReadOnlySpan<byte> Prefix => "rawscan "u8;
    private static ReadOnlySpan<byte> Hex => "0123456789abcdef"u8;

    /// <summary>"rawscan " + 8 hex digits + CR LF.</summary>
    public const int Length = 8 + 8 + 2;

    public string Name => "echo";

    public int Write(Span<byte> payload, uint cookie)
    {
        Prefix.CopyTo(payload);
        for (int i = 0; i < 8; i++) payload[Prefix.Length + i] = Hex[(int)(cookie >> (28 - 4 * i)) & 0xf];
        payload[Length - 2] = (byte)'\r';
        payload[Length - 1] = (byte)'\n';
        return Length;
    }

    public EchoCheck Check(ReadOnlySpan<byte> reply, uint cookie)
    {
        Span<byte> mine = stackalloc byte[Length];
        Write(mine, cookie);
        return reply.SequenceEqual(mine) ? EchoCheck.Proved : EchoCheck.Unverifiable;
    }
}
