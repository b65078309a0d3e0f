using System.Text.Json.Serialization;

namespace RawScan.Lab.Internal;

/// <summary>
/// truth.json as written: every field of <see cref="LabSpec"/>, addresses dotted, ranges as CIDR,
/// ports as "1-79,81-65535", so scripts (jq) and other languages read it without our types. The
/// namespace names are derived from the name, written for those readers and not read back.
/// "realTcp" is there only for a lab brought up with --real-services: the real host's TCP services
/// as they were found running (<see cref="RealTcpTruth"/>).
/// </summary>
internal sealed record TruthFile(
    string Name,
    string ScannerNamespace,
    string TargetNamespace,
    string ScannerInterface,
    string TargetInterface,
    string ScannerAddress,
    int LinkPrefixLength,
    string Gateway,
    string SpareAddress,
    string ScannerSourcePorts,
    string LiveRange,
    ushort[] TcpOpen,
    ushort[] UdpOpen,
    TruthFilterRule[] Filters,
    string DefaultState,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TruthIpv6? Ipv6 = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] RealTcpTruth[]? RealTcp = null);

/// <summary>
/// The IPv6 side, addresses in RFC 5952 text, blocks as "2001:db8:1::/64". Absent (null) in the
/// files of labs built before the lab spoke IPv6: they still load, as labs without it.
/// </summary>
internal sealed record TruthIpv6(
    string ScannerAddress,
    int LinkPrefixLength,
    string Gateway,
    string SpareAddress,
    string ScannerRoute,
    string LiveRange,
    string AssignedRange,
    TruthFilterRule[] Filters);

internal sealed record TruthFilterRule(string Addresses, string Protocol, string Ports);

/// <summary>Source-generated: no reflection at run time, and required fields are enforced on read.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(TruthFile))]
internal sealed partial class TruthJsonContext : JsonSerializerContext;
