namespace RawScan.Probes;

/// <summary>What a UDP reply's payload says about the probe it claims to answer.</summary>
public enum EchoCheck
{
    /// <summary>The protocol echoes nothing of the query: only the four-tuple table can vouch for it.</summary>
    Unverifiable,
    /// <summary>The reply echoes the value our probe carried (DNS ID, SNMP request-id, NTP origin time...).</summary>
    Proved,
    /// <summary>The reply echoes a value, and it is not ours: forged, or for someone else.</summary>
    Refuted,
}

/// <summary>
/// The payload of a UDP probe for one service, written by us from the protocol's specification. Where
/// the protocol echoes a field of the query, the probe puts (part of) the cookie there, so a reply
/// proves itself the way a SYN-ACK's acknowledgement number does.
/// </summary>
public interface IUdpProbe
{
    /// <summary>Short name: "dns", "snmp", ...</summary>
    string Name { get; }

    /// <summary>Writes the payload for one probe into <paramref name="payload"/>, carrying <paramref name="cookie"/> where the protocol echoes a value; returns its length.</summary>
    int Write(Span<byte> payload, uint cookie);

    /// <summary>Checks a reply's payload against the cookie its probe carried.</summary>
    EchoCheck Check(ReadOnlySpan<byte> reply, uint cookie);
}
