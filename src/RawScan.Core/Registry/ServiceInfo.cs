using RawScan.Results;

namespace RawScan.Registry;

/// <summary>IANA's port ranges: system (well-known), user (registered) and dynamic/private (RFC 6335).</summary>
public enum PortClass : byte
{
    /// <summary>0-1023.</summary>
    WellKnown,
    /// <summary>1024-49151.</summary>
    Registered,
    /// <summary>49152-65535.</summary>
    Dynamic,
}

/// <summary>Why a port deserves a second look.</summary>
[Flags]
public enum PortFlags : byte
{
    None = 0,
    /// <summary>A default port of a backdoor or remote-access trojan (12345 NetBus, 31337 Back Orifice...).</summary>
    Backdoor = 1,
    /// <summary>A common alternative port of a well-known service (8080 for HTTP, 1100 for POP3...).</summary>
    AlternateService = 2,
}

/// <summary>What the registry knows of one protocol and port.</summary>
/// <param name="Name">Service name (nmap-services, /etc/services, or the project's own table), or null.</param>
/// <param name="Note">For flagged ports, what they are known for ("NetBus", "HTTP alternate").</param>
/// <param name="Frequency">How often the port is found open (nmap-services' open-frequency), 0 when unknown.</param>
public readonly record struct ServiceInfo(Protocol Protocol, ushort Port, string? Name, PortClass Class, PortFlags Flags, string? Note, double Frequency)
{
    public static PortClass ClassOf(ushort port) => port <= 1023 ? PortClass.WellKnown : port <= 49151 ? PortClass.Registered : PortClass.Dynamic;

    public static string ClassName(PortClass c) => c switch
    {
        PortClass.WellKnown => "well-known",
        PortClass.Registered => "registered",
        _ => "dynamic",
    };
}
