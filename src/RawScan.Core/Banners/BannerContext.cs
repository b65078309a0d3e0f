namespace RawScan.Banners;

/// <summary>What a recogniser may know besides the bytes: the hello that drew them, the port and the registry's name for it.</summary>
public readonly record struct BannerContext(IHello? Hello, ushort Port, string? RegistryName)
{
    /// <summary>Whether the registry's name for the port is an HTTP one, or the port a usual HTTPS one: TLS there is reported "https".</summary>
    public bool HttpLike => ServiceNames.IsHttp(RegistryName) || ServiceNames.IsHttps(RegistryName) || Port is 443 or 8443 or 4443 or 9443;
}
