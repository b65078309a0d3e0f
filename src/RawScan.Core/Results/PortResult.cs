using System.Runtime.InteropServices;
using RawScan.Targets;

namespace RawScan.Results;

/// <summary>
/// One finding: an address, protocol and port in a state, why (nmap's reason), and what the reply told
/// us (its TTL; 0 when nothing answered) and how long it took (<see cref="RttMicros"/>: from the probe's first send to the
/// reply, 0 when unknown or for a resent probe, whose reply cannot be paired with one send). Auto layout packs it in 24 bytes (sequential layout would put
/// the reason after the timestamp: 32), which the result queue and the reports' buffers hold by the million.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public readonly record struct PortResult(UInt128 Address, Protocol Protocol, ushort Port, PortState State, byte Ttl, long TimestampMicros,
    PortReason Reason = PortReason.Unknown, uint RttMicros = 0)
{
    /// <summary>The reason, or what nmap would have said when none was recorded (a result read from an older report).</summary>
    public PortReason ReasonOrDefault => Reason != PortReason.Unknown ? Reason : PortReasonNames.Default(State, Protocol);

    /// <summary>The target answered this probe (anything but silence): its host is up.</summary>
    public bool Answered => Reason != PortReason.Unknown ? Reason.HostAnswered() : State is PortState.Open or PortState.Closed;

    /// <summary>An IPv4 result (its address in 32 bits), as the IPv4 send and receive paths make them.</summary>
    public PortResult(uint v4, Protocol protocol, ushort port, PortState state, byte ttl, long timestampMicros,
        PortReason reason = PortReason.Unknown, uint rttMicros = 0)
        : this(Ip.V4(v4), protocol, port, state, ttl, timestampMicros, reason, rttMicros) { }

    public override string ToString() => $"{Ip.Format(Address)} {Port}/{Protocol.Name()} {State.Name()}";
}
