namespace RawScan.Probes;

/// <summary>Which probe a UDP port gets.</summary>
public interface IUdpPayloads
{
    /// <summary>The probe for <paramref name="port"/>: a protocol's, or <see cref="EmptyUdpProbe.Instance"/>.</summary>
    IUdpProbe For(ushort port);
}
