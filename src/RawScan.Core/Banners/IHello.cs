namespace RawScan.Banners;

/// <summary>
/// What RawScan sends first on a connection whose server waits for the client (HTTP, TLS, redis,
/// memcached, PostgreSQL...). One class per protocol; the one list is <see cref="Hellos.All"/>.
/// </summary>
public interface IHello
{
    /// <summary>Short name, reported as the finding's hello: "http", "tls", "redis"...</summary>
    string Name { get; }

    /// <summary>The nmap-service-probes probe whose match rules read what this hello draws ("GetRequest"...), or null.</summary>
    string? NmapProbe { get; }

    /// <summary>Largest hello written, in bytes (the segment's payload): at most <see cref="Hellos.MaxLength"/>.</summary>
    int MaxLength { get; }

    /// <summary>Writes the hello for a connection to <paramref name="address"/>:<paramref name="port"/>; returns its length.</summary>
    int Write(Span<byte> destination, UInt128 address, ushort port);
}

/// <summary>
/// The steps a port's banner grab tries, in order: a null step waits for the server to speak first
/// (nmap's NULL probe); a hello is sent and its answer read. The grab stops at the first step whose
/// answer identifies the service.
/// </summary>
public sealed record HelloPlan(IReadOnlyList<IHello?> Steps);
