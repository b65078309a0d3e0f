using RawScan.Results;

namespace RawScan.Registry;

/// <summary>Maps results onto services, classes and flags.</summary>
public interface IServiceRegistry
{
    ServiceInfo Lookup(Protocol protocol, ushort port);
}
