using RawScan.Registry;

namespace RawScan.Banners;

/// <summary>
/// MINIMAL (the identification library's version replaces it at the merge): whether a detected
/// service name is another service than the one the registry guesses for the port.
/// </summary>
public static class ServiceNames
{
    /// <summary>
    /// True when <paramref name="detected"/> names another service than the registry's entry: the
    /// names compared exactly, HTTP's and HTTPS's usual names counted as one. Nothing detected, or no
    /// registry guess, is no difference (there is nothing to contradict).
    /// </summary>
    public static bool DiffersFromRegistry(string? detected, ServiceInfo registry)
    {
        if (string.IsNullOrEmpty(detected) || string.IsNullOrEmpty(registry.Name)) return false;
        return !string.Equals(Canonical(detected), Canonical(registry.Name), StringComparison.OrdinalIgnoreCase);
    }

    private static string Canonical(string name) => name.ToLowerInvariant() switch
    {
        "http" or "http-alt" or "http-proxy" or "www" or "www-http" => "http",
        "https" or "ssl/http" or "https-alt" => "https",
        var n => n,
    };
}
