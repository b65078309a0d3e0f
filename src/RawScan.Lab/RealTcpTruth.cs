using System.Globalization;
using RawScan.Lab.Internal;

namespace RawScan.Lab;

/// <summary>
/// What answers on one TCP port of the real-services host, as <c>lab up --real-services</c> found it:
/// what a banner grab (or nmap -sV) must name there. In truth.json under "realTcp", one per port;
/// read with <see cref="LabTruth.RealTcp"/>.
/// </summary>
/// <param name="Port">The TCP port on <see cref="LabSpec.RealHost"/>.</param>
/// <param name="Service">The service in nmap-services spelling: "ssh", "http", "https" (HTTP inside TLS; nmap -sV says ssl/http), "pop3", "mysql"...</param>
/// <param name="Product">The product its banner or answer names: "OpenSSH", "nginx", "vsftpd", "Exim", "Dovecot", "Redis", "MariaDB"...</param>
/// <param name="Version">The upstream version its answer shows ("9.2p1", "1.22.1", "4.96"), from the Debian package at lab-up time; null where the service does not tell it (Dovecot, rsync, PostgreSQL, telnetd).</param>
/// <param name="Daemon">The daemon's process name (sshd, nginx, redis-server-12345...).</param>
/// <param name="Package">The Debian package that has it.</param>
/// <param name="PackageVersion">The package's version as dpkg has it ("1:9.2p1-2+deb12u10"); null if dpkg does not know it.</param>
/// <param name="Kind">"standard", "redirected" (the registry gives the port another service) or "trojan" (a trojan's port, running an ordinary service).</param>
/// <param name="Tls">The service speaks inside TLS.</param>
/// <param name="Running">False for an optional daemon (MariaDB, PostgreSQL) that did not start: nothing listens on the port.</param>
public sealed record RealTcpTruth(ushort Port, string Service, string Product, string? Version, string Daemon, string Package,
    string? PackageVersion, string Kind, bool Tls, bool Running)
{
    /// <summary>One per port of <see cref="LabSpec.RealTcpServices"/>, versions from <paramref name="packageVersions"/>.</summary>
    internal static IReadOnlyList<RealTcpTruth> For(LabSpec spec, IReadOnlyDictionary<string, string> packageVersions, Func<RealTcpService, bool> running) =>
        [.. spec.RealTcpServices.Select(t =>
        {
            string? full = packageVersions.GetValueOrDefault(PackageOf(t));
            return new RealTcpTruth(t.Port, t.Service, t.Product, t.ShowsVersion && full is not null ? Upstream(full) : null,
                t.InstanceName, t.Package, full, t.Kind.ToString().ToLowerInvariant(), t.Tls, running(t));
        })];

    /// <summary>The package whose version is the daemon's: PostgreSQL's is postgresql-MAJOR, not the metapackage.</summary>
    private static string PackageOf(RealTcpService t) =>
        t.Package == "postgresql" && RealDaemons.PostgresBin() is string bin ? "postgresql-" + Path.GetFileName(Path.GetDirectoryName(bin)) : t.Package;

    /// <summary>Every real TCP package's version, from one dpkg-query (about 30 ms); what dpkg does not know is left out.</summary>
    internal static IReadOnlyDictionary<string, string> PackageVersions(LabSpec spec)
    {
        var packages = spec.RealTcpServices.Select(PackageOf).Distinct().ToList();
        var result = Exec.TryRun(null, ["dpkg-query", "-W", "-f", "${Package}\t${Version}\n", .. packages]);
        var versions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split('\t');
            if (f.Length == 2 && f[1].Length > 0) versions[f[0]] = f[1];
        }
        return versions;
    }

    /// <summary>
    /// The upstream version inside a Debian version, as the program itself reports it: no epoch
    /// ("1:"), no Debian revision (the last "-..."), no repack suffix ("+dfsg1", "+ds1", "~"...):
    /// "1:9.2p1-2+deb12u10" is "9.2p1", "5:7.0.15-1~deb12u10" is "7.0.15", "1:2.3.19.1+dfsg1-2.1" is "2.3.19.1".
    /// </summary>
    public static string Upstream(string debianVersion)
    {
        string v = debianVersion;
        int colon = v.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0 && v[..colon].All(char.IsAsciiDigit)) v = v[(colon + 1)..];
        int dash = v.LastIndexOf('-');
        if (dash > 0) v = v[..dash];
        int cut = v.IndexOfAny(['+', '~']);
        return cut > 0 ? v[..cut] : v;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Port}/tcp {Service} {Product}{(Version is null ? "" : " " + Version)} ({Daemon}, {Kind}{(Running ? "" : ", not running")})");
}
