using RawScan.Banners;
using RawScan.Registry;
using RawScan.Results;

namespace RawScan.Output;

/// <summary>How the readable reports (table, grepable, HTML, diff) word a banner grab's finding, nmap -sV's way.</summary>
internal static class FindingText
{
    /// <summary>The service as nmap's table names it: "ssl/http" for HTTP inside TLS; null when nothing named it.</summary>
    public static string? Service(ServiceFinding f) =>
        f.Service is null ? null : Printable(f.Tunnel == "ssl" && !f.Service.StartsWith("ssl", StringComparison.Ordinal) && f.Service != "https" ? "ssl/" + f.Service : f.Service);

    /// <summary>nmap's VERSION column and grepable version field: "OpenSSH 9.2p1 (protocol 2.0)"; empty when the banner named no product.</summary>
    public static string Version(ServiceFinding f)
    {
        string pv = f.Product is null ? f.Version ?? "" : f.Version is null ? f.Product : $"{f.Product} {f.Version}";
        return Printable(f.Info is null ? pv : pv.Length == 0 ? $"({f.Info})" : $"{pv} ({f.Info})");
    }

    /// <summary>
    /// Product and version come from what a server sent: a control character (a line end, an escape
    /// sequence for the terminal) becomes '?', so one port stays one line and cannot repaint a terminal.
    /// </summary>
    public static string Printable(string s)
    {
        if (!s.AsSpan().ContainsAnyInRange('\0', '\x1f') && !s.Contains('\x7f') && !s.AsSpan().ContainsAnyInRange('\x80', '\x9f')) return s;
        var chars = s.ToCharArray();
        for (int i = 0; i < chars.Length; i++) if (char.IsControl(chars[i])) chars[i] = '?';
        return new string(chars);
    }

    /// <summary>The detected name that contradicts the registry's guess for the port, or null: only an answer (probed) contradicts.</summary>
    public static string? Mismatch(ServiceFinding? f, ServiceInfo registry) =>
        f is { Method: ServiceMethod.Probed } && Service(f) is { } s && ServiceNames.DiffersFromRegistry(s, registry) ? s : null;

    /// <summary>
    /// The table's SERVICE cell: the registry's name when nothing was found; otherwise the detected
    /// service and version, and where the registry guessed another service, that guess:
    /// "ssh OpenSSH 9.2p1 (registry: http-proxy)"; for a backdoor's port,
    /// "ssh OpenSSH 9.2p1 (registry: Elite, backdoor port; runs ssh)".
    /// </summary>
    public static string Cell(ServiceFinding? f, ServiceInfo registry)
    {
        string guess = registry.Name ?? "unknown";
        if (f is null || f.Method != ServiceMethod.Probed || Service(f) is not { } service) return guess;
        string version = Version(f);
        string text = version.Length == 0 ? service : $"{service} {version}";
        if (Mismatch(f, registry) is null) return text;
        return registry.Flags.HasFlag(PortFlags.Backdoor)
            ? $"{text} (registry: {guess}, backdoor port; runs {service})"
            : $"{text} (registry: {guess})";
    }
}
