namespace RawScan.Probes.Udp;

/// <summary>
/// SSDP (port 1900): a unicast M-SEARCH for all devices and services (UPnP Device Architecture 1.1,
/// section 1.3.2). A device answers with an HTTP/1.1 200 response, but echoes nothing of the
/// request, so the datagram carries no cookie and a reply cannot prove itself: Check is always
/// Unverifiable and the four-tuple table decides.
/// </summary>
internal sealed class SsdpProbe : IUdpProbe
{
    public static SsdpProbe Instance { get; } = new();

    // MX is the spread of a multicast search's answers; devices still want the header present in a
    // unicast search, and 1 second is its smallest allowed value. Not every device answers a unicast
    // search at once: miniupnpd 2.3 (Debian 12) waits a random 75-160 ms whatever MX says (measured
    // with MX 1, 5 and none), within the resend's doubled wait, so the reply still finds its probe
    // in flight.
    private static ReadOnlySpan<byte> Request =>
        "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n"u8;

    public static int Length => Request.Length;

    public string Name => "ssdp";

    public int Write(Span<byte> payload, uint cookie)
    {
        Request.CopyTo(payload);
        return Request.Length;
    }

    public EchoCheck Check(ReadOnlySpan<byte> reply, uint cookie) => EchoCheck.Unverifiable;
}
