using RawScan.Targets;

namespace RawScan.Results;

/// <summary>One finding: an address, protocol and port in a state, with what the reply told us.</summary>
public readonly record struct PortResult(uint Address, Protocol Protocol, ushort Port, PortState State, byte Ttl, long TimestampMicros)
{
    public override string ToString() => $"{Ipv4.Format(Address)} {Port}/{Protocol.Name()} {State.Name()}";
}

/// <summary>Receives results as they are found, on the receive thread: implementations must not block for long.</summary>
public interface IResultSink
{
    void OnResult(in PortResult result);
}
