using RawScan.Results;

namespace RawScan.Output.Html.Internal;

/// <summary>
/// A listed result as its address and one uint, ordered as the report lists them: address, then
/// protocol (bit 31, udp = 1), port (30-15), state (14-13), reason (12-9), TTL (7-0). 32 bytes instead
/// of PortResult's 48 (the report has no use for the timestamp or RTT), and sorting by host, protocol,
/// port is a plain Span&lt;Row&gt;.Sort.
/// </summary>
internal readonly record struct Row(UInt128 Address, uint Rest) : IComparable<Row>
{
    public int CompareTo(Row other) => Address != other.Address ? Address.CompareTo(other.Address) : Rest.CompareTo(other.Rest);
}

internal static class PackedResult
{
    public static Row Pack(in PortResult r) => new(r.Address,
        (r.Protocol == Results.Protocol.Udp ? 1u : 0u) << 31 | (uint)r.Port << 15
        | (uint)((byte)r.State & 3) << 13 | (uint)((byte)r.Reason & 15) << 9 | r.Ttl);

    public static UInt128 Address(Row p) => p.Address;
    public static Protocol Protocol(Row p) => (p.Rest >> 31 & 1) != 0 ? Results.Protocol.Udp : Results.Protocol.Tcp;
    public static ushort Port(Row p) => (ushort)(p.Rest >> 15);
    public static PortState State(Row p) => (PortState)(p.Rest >> 13 & 3);
    public static PortReason Reason(Row p) => (PortReason)(p.Rest >> 9 & 15);
    public static byte Ttl(Row p) => (byte)p.Rest;

    /// <summary>The reason, or nmap's default for the state when none was recorded.</summary>
    public static PortReason ReasonOrDefault(Row p) => Reason(p) is var r && r != PortReason.Unknown ? r : PortReasonNames.Default(State(p), Protocol(p));

    /// <summary>The host sent this reply (see <see cref="PortResult.Answered"/>).</summary>
    public static bool Answered(Row p) => Reason(p) is var r && r != PortReason.Unknown ? r.HostAnswered() : State(p) is PortState.Open or PortState.Closed;
}
