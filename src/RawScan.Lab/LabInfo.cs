namespace RawScan.Lab;

/// <summary>A lab that is up, as <see cref="LabManager.Status"/> finds it. Addresses are host-order IPv4.</summary>
/// <param name="ScannerInterface">The interface to scan on, inside <paramref name="ScannerNamespace"/>.</param>
/// <param name="ScannerAddress">The scanner namespace's own address on it.</param>
/// <param name="Gateway">The next hop to the live range (the target's end of the link).</param>
/// <param name="SpareAddress">A free address on the link, for the scanner's --source-ip.</param>
/// <param name="ServePid">The target's service process, if its pid file is there.</param>
/// <param name="ServeAlive">Whether that process is alive in the target namespace.</param>
/// <param name="LossPercent">Random loss on probes entering the target (<see cref="LabManager.SetLoss"/>); 0 when none.</param>
/// <param name="RealNamespace">The real-services host's namespace, when the lab was brought up with them; else null.</param>
/// <param name="RealHost">The real-services host's address, when there is one; else 0.</param>
/// <param name="RealDaemons">The daemons it started there; empty without real services.</param>
/// <param name="Bottleneck">The policer or queue on probes entering the target (<see cref="LabManager.SetBottleneck"/>); null when none.</param>
/// <param name="ScannerRoutes6">The scanner namespace's IPv6 routes as <c>ip -6 route</c> prints them, a line each (its main table).</param>
public sealed record LabInfo(
    string Name,
    string ScannerNamespace,
    string TargetNamespace,
    string ScannerInterface,
    uint ScannerAddress,
    uint Gateway,
    uint SpareAddress,
    string TruthPath,
    int? ServePid,
    bool ServeAlive,
    double LossPercent = 0,
    string? RealNamespace = null,
    uint RealHost = 0,
    IReadOnlyList<RealDaemonInfo>? RealDaemons = null,
    bool LinkUp = true,
    string ScannerRoutes6 = "",
    LabBottleneck? Bottleneck = null)
{
    /// <summary>The scanner's interface is gone (someone ran `ip link del scan0`): the namespaces are there, but nothing reaches the target.</summary>
    public bool Broken => !LinkUp;

    /// <summary>Whether the real-services host is up with every daemon it started still running.</summary>
    public bool RealServicesAlive => RealNamespace is not null && RealDaemons is { Count: > 0 } d && d.All(x => x.Alive);
}

/// <summary>
/// A daemon of the real-services host: its name (the program's, or an instance's), its port (the UDP
/// one, or its first TCP one), its pid, and whether it still runs in that host's namespace.
/// </summary>
public sealed record RealDaemonInfo(string Daemon, ushort Port, int Pid, bool Alive)
{
    /// <summary>"udp" for a daemon of <see cref="LabSpec.RealServices"/> (which may serve TCP too: memcached), "tcp" for one of <see cref="LabSpec.RealTcpServices"/> only.</summary>
    public string Protocol { get; init; } = "udp";

    /// <summary>Every TCP port it serves (sshd: 22 and 31337); empty for a UDP-only daemon.</summary>
    public IReadOnlyList<ushort> TcpPorts { get; init; } = [];
}

/// <summary>A lab as a --lab scan sees it (<see cref="LabManager.ScanSide"/>): where the scan runs, and whether its link is gone.</summary>
public sealed record LabScanSide(string ScannerNamespace, string ScannerInterface, bool Broken);
