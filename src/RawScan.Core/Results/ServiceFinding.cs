namespace RawScan.Results;

/// <summary>How a port's service was named: from what it answered (nmap's "probed") or from the port's registry entry alone ("table").</summary>
public enum ServiceMethod : byte
{
    Table,
    Probed,
}

/// <summary>
/// What a banner grab (--banners) found on an open TCP port: the bytes the service sent (cut to
/// --banner-bytes), the hello that drew them, and what they identify. Made once per open port, on the
/// receive thread, when its connection ends; reports read it in <see cref="IResultSink.OnService"/>.
/// </summary>
public sealed record ServiceFinding
{
    /// <summary>The service, in nmap-services' spelling ("ssh", "http", "https", "smtp", "redis"...); null when nothing identified it.</summary>
    public string? Service { get; init; }

    /// <summary>The product (nmap's p/): "OpenSSH", "nginx", "Exim smtpd", "Dovecot pop3d".</summary>
    public string? Product { get; init; }

    /// <summary>The version (nmap's v/): "9.2p1", "1.22.1".</summary>
    public string? Version { get; init; }

    /// <summary>Extra information (nmap's i/): "Debian 2+deb12u10", "protocol 2.0".</summary>
    public string? Info { get; init; }

    /// <summary>"ssl" when the service answered inside TLS (or answered a TLS hello), as nmap's tunnel attribute.</summary>
    public string? Tunnel { get; init; }

    /// <summary>The TLS certificate's subject and issuer (RFC 4514 strings), when a TLS hello drew a certificate.</summary>
    public string? TlsSubject { get; init; }
    public string? TlsIssuer { get; init; }

    /// <summary>Name of the hello that drew the banner ("null": the server spoke first; "http", "tls", "redis"...); null when nothing was drawn.</summary>
    public string? Hello { get; init; }

    /// <summary>Probed when the banner identified the service; Table when the name is the registry's guess.</summary>
    public ServiceMethod Method { get; init; }

    /// <summary>nmap's conf: 10 for a service identified by its answer, 3 for the registry's guess.</summary>
    public int Confidence => Method == ServiceMethod.Probed ? 10 : 3;

    /// <summary>The bytes as received, at most --banner-bytes of them; empty when the service said nothing.</summary>
    public byte[] Banner { get; init; } = [];

    /// <summary>Which recogniser named it ("ssh", "http", "nmap-service-probes"...), for --debug and the tests.</summary>
    public string? Recogniser { get; init; }

    public static string MethodName(ServiceMethod m) => m == ServiceMethod.Probed ? "probed" : "table";
}
