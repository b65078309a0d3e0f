namespace RawScan.Probes.Udp;

/// <summary>
/// A payload from the user's <c>--udp-payloads</c> file: fixed bytes, the same for every probe. It
/// carries no cookie, so a reply cannot prove itself: Check is Unverifiable.
/// </summary>
internal sealed class UserPayloadProbe : IUdpProbe
{
    private readonly byte[] _payload;

    public UserPayloadProbe(ReadOnlySpan<byte> payload, string name = "user")
    {
        if (payload.Length > UdpTemplate.MaxPayload)
            throw new ArgumentException($"a payload of {payload.Length} bytes does not fit one frame (at most {UdpTemplate.MaxPayload})", nameof(payload));
        _payload = payload.ToArray();
        Name = name;
    }

    public string Name { get; }

    public ReadOnlySpan<byte> Payload => _payload;

    public int Write(Span<byte> payload, uint cookie)
    {
        _payload.CopyTo(payload);
        return _payload.Length;
    }

    public EchoCheck Check(ReadOnlySpan<byte> reply, uint cookie) => EchoCheck.Unverifiable;
}
