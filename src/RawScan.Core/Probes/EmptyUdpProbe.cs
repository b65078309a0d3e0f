namespace RawScan.Probes;

/// <summary>An empty datagram, for ports whose protocol we have no probe for (a closed port still says so by ICMP).</summary>
internal sealed class EmptyUdpProbe : IUdpProbe
{
    public static EmptyUdpProbe Instance { get; } = new();
    public string Name => "empty";
    public int Write(Span<byte> payload, uint cookie) => 0;
    public EchoCheck Check(ReadOnlySpan<byte> reply, uint cookie) => EchoCheck.Unverifiable;
}
