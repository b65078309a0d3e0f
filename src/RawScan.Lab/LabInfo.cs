namespace RawScan.Lab;

/// <summary>A lab that is up, as <see cref="LabManager.Status"/> finds it. Addresses are host-order IPv4.</summary>
/// <param name="ScannerInterface">The interface to scan on, inside <paramref name="ScannerNamespace"/>.</param>
/// <param name="ScannerAddress">The scanner namespace's own address on it.</param>
/// <param name="Gateway">The next hop to the live range (the target's end of the link).</param>
/// <param name="SpareAddress">A free address on the link, for the scanner's --source-ip.</param>
/// <param name="ServePid">The target's service process, if its pid file is there.</param>
/// <param name="ServeAlive">Whether that process is alive in the target namespace.</param>
/// <param name="LossPercent">Random loss on probes entering the target (<see cref="LabManager.SetLoss"/>); 0 when none.</param>
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
    double LossPercent = 0);
