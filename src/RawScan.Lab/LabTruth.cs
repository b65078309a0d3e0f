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

    public static LabTruth FromSpec(LabSpec spec) => new(spec);

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
        return new LabTruth(spec);
    }

    public void Save(string path) => File.WriteAllText(path, ToJson());

    public string ToJson()
    {
        var s = Spec;
        var file = new TruthFile(
            s.Name, s.ScannerNamespace, s.TargetNamespace, s.ScannerInterface, s.TargetInterface,
            Ipv4.Format(s.ScannerAddress), s.LinkPrefixLength, Ipv4.Format(s.Gateway), Ipv4.Format(s.SpareAddress),
            s.ScannerSourcePorts.ToString(), RangeText.Format(s.LiveRange), [.. s.TcpOpenPorts], [.. s.UdpOpenPorts],
            [.. s.FilterRules.Select(r => new TruthFilterRule(RangeText.Format(r.Addresses), r.Protocol.Name(), r.Ports.ToString()))],
            s.DefaultState.Name());
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
    /// Every (address, port) of the scan space with its expected state, address-major, both ascending;
    /// addresses as results hold them (<see cref="Ip"/>: IPv4 mapped), so they compare with results as they are.
    /// </summary>
    public IEnumerable<(UInt128 Address, ushort Port, PortState State)> Expect(TargetSet targets, PortSet ports, Protocol protocol)
    {
        for (ulong i = 0; i < targets.Count; i++)
        {
            var address = targets[i];
            for (int j = 0; j < ports.Count; j++)
                yield return (address, ports[j], Expected(Ip.ToV4(address), protocol, ports[j]));   // the lab's truth is IPv4's
        }
    }

    private static PortState Silent(Protocol protocol) => protocol == Protocol.Tcp ? PortState.Filtered : PortState.OpenFiltered;

    private static uint Address(string path, string text) =>
        Ipv4.TryParse(text, out uint a) ? a : throw new BadInputException("lab truth file", path, $"'{text}' is not an IPv4 address");

    private static Protocol ProtocolOf(string path, string name) => name switch
    {
        "tcp" => Protocol.Tcp,
        "udp" => Protocol.Udp,
        _ => throw new BadInputException("lab truth file", path, $"unknown protocol '{name}'"),
    };
}
