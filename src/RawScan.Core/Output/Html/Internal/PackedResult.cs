using RawScan.Results;

namespace RawScan.Output.Html.Internal;

/// <summary>
/// A listed result as one ulong, ordered as the report lists them: address (bits 63-32), protocol (bit 31,
/// udp = 1), port (30-15), state (14-13), reason (12-9), TTL (7-0). 8 bytes instead of PortResult's 24 (the
/// report has no use for the timestamp), and sorting by host, protocol, port is a plain Span&lt;ulong&gt;.Sort.
/// </summary>
internal static class PackedResult
{
    public static ulong Pack(in PortResult r) =>
        (ulong)r.Address << 32 | (r.Protocol == Results.Protocol.Udp ? 1UL : 0UL) << 31 | (ulong)r.Port << 15
        | (ulong)((byte)r.State & 3) << 13 | (ulong)((byte)r.Reason & 15) << 9 | r.Ttl;

    public static uint Address(ulong p) => (uint)(p >> 32);
    public static Protocol Protocol(ulong p) => (p >> 31 & 1) != 0 ? Results.Protocol.Udp : Results.Protocol.Tcp;
    public static ushort Port(ulong p) => (ushort)(p >> 15);
    public static PortState State(ulong p) => (PortState)(p >> 13 & 3);
    public static PortReason Reason(ulong p) => (PortReason)(p >> 9 & 15);
    public static byte Ttl(ulong p) => (byte)p;

    /// <summary>The reason, or nmap's default for the state when none was recorded.</summary>
    public static PortReason ReasonOrDefault(ulong p) => Reason(p) is var r && r != PortReason.Unknown ? r : PortReasonNames.Default(State(p), Protocol(p));

    /// <summary>The host sent this reply (see <see cref="PortResult.Answered"/>).</summary>
    public static bool Answered(ulong p) => Reason(p) is var r && r != PortReason.Unknown ? r.HostAnswered() : State(p) is PortState.Open or PortState.Closed;
}
