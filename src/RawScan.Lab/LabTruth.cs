using System.Text.Json;
using RawScan.Lab.Internal;
using RawScan.Results;
using RawScan.Targets;

namespace RawScan.Lab;

/// <summary>
/// What a scan of a lab must find: the state of every (address, protocol, port), from the lab's
/// <see cref="LabSpec"/>. Written to truth.json by <c>lab up</c>; read by tests and benchmarks to
/// check a scan's output against the network as built.
/// </summary>
public sealed class LabTruth
{
    private readonly HashSet<ushort> _tcpOpen;
    private readonly HashSet<ushort> _udpOpen;

    private LabTruth(LabSpec spec)
    {
        Spec = spec;
        _tcpOpen = [.. spec.TcpOpenPorts];
        _udpOpen = [.. spec.UdpOpenPorts];
    }

    public LabSpec Spec { get; }

    /// <summary>
    /// The real-services host's TCP services, one per port in port order, as <c>lab up
    /// --real-services</c> found them (versions from the Debian packages, optional daemons that did
    /// not start marked not <see cref="RealTcpTruth.Running"/>); empty for a lab without real services.
    /// </summary>
    public IReadOnlyList<RealTcpTruth> RealTcp { get; private init; } = [];

    /// <summary>The truth of the real host's TCP port <paramref name="port"/>, or null if the lab has no real service there.</summary>
    public RealTcpTruth? RealTcpAt(ushort port) => RealTcp.FirstOrDefault(t => t.Port == port);

    public static LabTruth FromSpec(LabSpec spec) => new(spec);

    /// <summary>This truth with the real host's TCP services as found at lab-up time.</summary>
    internal LabTruth WithRealTcp(IReadOnlyList<RealTcpTruth> realTcp) => new(Spec) { RealTcp = realTcp };

    /// <exception cref="BadInputException">The file is not a lab truth file.</exception>
    public static LabTruth Load(string path)
    {
        TruthFile? file;
        try
        {
            file = JsonSerializer.Deserialize(File.ReadAllText(path), TruthJsonContext.Default.TruthFile);
        }
        catch (JsonException e)
        {
            throw new BadInputException("lab truth file", path, e.Message);
        }
        if (file is null) throw new BadInputException("lab truth file", path, "holds null");

        var spec = LabSpec.For(file.Name) with
        {
            ScannerInterface = file.ScannerInterface,
            TargetInterface = file.TargetInterface,
            ScannerAddress = Address(path, file.ScannerAddress),
            LinkPrefixLength = file.LinkPrefixLength,
            Gateway = Address(path, file.Gateway),
            SpareAddress = Address(path, file.SpareAddress),
            ScannerSourcePorts = PortSet.Parse(file.ScannerSourcePorts),
            LiveRange = Ipv4Range.Parse(file.LiveRange, "lab live range"),
            TcpOpenPorts = file.TcpOpen,
            UdpOpenPorts = file.UdpOpen,
            FilterRules = [.. file.Filters.Select(f => new FilterRule(
                Ipv4Range.Parse(f.Addresses, "lab filter addresses"), ProtocolOf(path, f.Protocol), PortSet.Parse(f.Ports)))],
            DefaultState = PortStateNames.TryParse(file.DefaultState, out var s) ? s
                : throw new BadInputException("lab truth file", path, $"unknown port state '{file.DefaultState}'"),
        };
        return new LabTruth(file.Ipv6 is TruthIpv6 v6 ? WithIpv6(spec, path, v6) : spec with { HasIpv6 = false })
        {
            RealTcp = file.RealTcp ?? [],
        };
    }

    private static LabSpec WithIpv6(LabSpec spec, string path, TruthIpv6 v6) => spec with
    {
        ScannerAddress6 = Address6(path, v6.ScannerAddress),
        LinkPrefixLength6 = v6.LinkPrefixLength is >= 0 and <= 128 ? v6.LinkPrefixLength
            : throw new BadInputException("lab truth file", path, $"IPv6 link prefix length {v6.LinkPrefixLength} is not 0-128"),
        Gateway6 = Address6(path, v6.Gateway),
        SpareAddress6 = Address6(path, v6.SpareAddress),
        ScannerRoute6 = Ipv6Prefix.Parse(v6.ScannerRoute, "lab IPv6 route"),
        LiveRange6 = Ipv6Prefix.Parse(v6.LiveRange, "lab IPv6 live range"),
        AssignedRange6 = Ipv6Prefix.Parse(v6.AssignedRange, "lab IPv6 assigned range"),
        FilterRules6 = [.. v6.Filters.Select(f => new FilterRule6(
            Ipv6Prefix.Parse(f.Addresses, "lab IPv6 filter addresses"), ProtocolOf(path, f.Protocol), PortSet.Parse(f.Ports)))],
    };

    public void Save(string path) => File.WriteAllText(path, ToJson());

    public string ToJson()
    {
        var s = Spec;
        var file = new TruthFile(
            s.Name, s.ScannerNamespace, s.TargetNamespace, s.ScannerInterface, s.TargetInterface,
            Ipv4.Format(s.ScannerAddress), s.LinkPrefixLength, Ipv4.Format(s.Gateway), Ipv4.Format(s.SpareAddress),
            s.ScannerSourcePorts.ToString(), RangeText.Format(s.LiveRange), [.. s.TcpOpenPorts], [.. s.UdpOpenPorts],
            [.. s.FilterRules.Select(r => new TruthFilterRule(RangeText.Format(r.Addresses), r.Protocol.Name(), r.Ports.ToString()))],
            s.DefaultState.Name(),
            s.HasIpv6 ? new TruthIpv6(
                Ipv6.Format(s.ScannerAddress6), s.LinkPrefixLength6, Ipv6.Format(s.Gateway6), Ipv6.Format(s.SpareAddress6),
                s.ScannerRoute6.ToString(), s.LiveRange6.ToString(), s.AssignedRange6.ToString(),
                [.. s.FilterRules6.Select(r => new TruthFilterRule(r.Addresses.ToString(), r.Protocol.Name(), r.Ports.ToString()))])
            : null,
            RealTcp.Count > 0 ? [.. RealTcp] : null);
        return JsonSerializer.Serialize(file, TruthJsonContext.Default.TruthFile) + "\n";
    }

    /// <summary>
    /// The state a correct scan reports. The gateway is the target namespace's own address, so it
    /// answers like a live address; every other address outside <see cref="LabSpec.LiveRange"/> is
    /// silent (filtered for TCP, open|filtered for UDP, as the scanner names no reply).
    /// </summary>
    public PortState Expected(uint address, Protocol protocol, ushort port)
    {
        if (!Spec.LiveRange.Contains(address) && address != Spec.Gateway) return Silent(protocol);
        foreach (var rule in Spec.FilterRules)
            if (rule.Matches(address, protocol, port)) return Silent(protocol);
        if ((protocol == Protocol.Tcp ? _tcpOpen : _udpOpen).Contains(port)) return PortState.Open;
        return Spec.DefaultState;
    }

    /// <summary>
    /// The state a correct scan of an IPv6 address reports (host order, <see cref="Ipv6"/>); an
    /// IPv4-mapped address (::ffff:a.b.c.d) is asked of the IPv4 side. <see cref="LabSpec.Gateway6"/>
    /// answers like a live address; every other address outside <see cref="LabSpec.LiveRange6"/> is
    /// silent. A closed UDP port of an address the target only routes to itself (outside
    /// <see cref="LabSpec.AssignedRange6"/>) is filtered: its port unreachable comes from
    /// 2001:db8:ff::1, not from the address probed, and a reply about a host from another host is a
    /// filter's word (nmap: "port-unreach from 2001:db8:ff::1", filtered).
    /// </summary>
    public PortState Expected(UInt128 address, Protocol protocol, ushort port)
    {
        if (Ip.IsV4(address)) return Expected(Ip.ToV4(address), protocol, port);
        var s = Spec;
        if (!s.HasIpv6 || (!s.LiveRange6.Contains(address) && address != s.Gateway6)) return Silent(protocol);
        foreach (var rule in s.FilterRules6)
            if (rule.Matches(address, protocol, port)) return Silent(protocol);
        if ((protocol == Protocol.Tcp ? _tcpOpen : _udpOpen).Contains(port)) return PortState.Open;
        if (protocol == Protocol.Udp && s.DefaultState == PortState.Closed && !AnswersFromItself(address)) return PortState.Filtered;
        return s.DefaultState;
    }

    /// <summary>
    /// Whether the target's kernel sends its ICMPv6 errors about <paramref name="address"/> from
    /// <paramref name="address"/> itself: true where it is configured (<see cref="LabSpec.AssignedRange6"/>,
    /// <see cref="LabSpec.Gateway6"/>), false where it is only routed locally. TCP and the UDP
    /// responders answer from the address asked everywhere.
    /// </summary>
    public bool AnswersFromItself(UInt128 address) =>
        Spec.HasIpv6 && (Spec.AssignedRange6.Contains(address) || address == Spec.Gateway6);

    /// <summary>
    /// Every (address, port) of the scan space with its expected state, address-major, both ascending;
    /// addresses as results hold them (<see cref="Ip"/>: IPv4 mapped), so they compare with results as they are.
    /// </summary>
    public IEnumerable<(UInt128 Address, ushort Port, PortState State)> Expect(TargetSet targets, PortSet ports, Protocol protocol)
    {
        for (ulong i = 0; i < targets.Count; i++)
        {
            var address = targets[i];
            for (int j = 0; j < ports.Count; j++)
                yield return (address, ports[j], Expected(address, protocol, ports[j]));
        }
    }

    private static PortState Silent(Protocol protocol) => protocol == Protocol.Tcp ? PortState.Filtered : PortState.OpenFiltered;

    private static uint Address(string path, string text) =>
        Ipv4.TryParse(text, out uint a) ? a : throw new BadInputException("lab truth file", path, $"'{text}' is not an IPv4 address");

    private static UInt128 Address6(string path, string text) =>
        Ipv6.TryParse(text, out UInt128 a) ? a : throw new BadInputException("lab truth file", path, $"'{text}' is not an IPv6 address");

    private static Protocol ProtocolOf(string path, string name) => name switch
    {
        "tcp" => Protocol.Tcp,
        "udp" => Protocol.Udp,
        _ => throw new BadInputException("lab truth file", path, $"unknown protocol '{name}'"),
    };
}
