using RawScan.Results;

namespace RawScan.Registry;

/// <summary>
/// A registry that loads in the background: reading nmap-services (27,000 lines) takes ~180 ms, which
/// need not delay the first probe. The first lookup waits for the load if it has not finished.
/// </summary>
public sealed class LazyRegistry(Func<IServiceRegistry> load) : IServiceRegistry
{
    private readonly Task<IServiceRegistry> _loading = Task.Run(load);
    private IServiceRegistry? _loaded;

    public IServiceRegistry Loaded => _loaded ??= _loading.GetAwaiter().GetResult();

    public ServiceInfo Lookup(Protocol protocol, ushort port) => Loaded.Lookup(protocol, port);
}
