namespace RawScan.Transmit;

/// <summary>
/// The platform seam of the send path, chosen once per scan: the platform's batched sender (one system
/// call per batch) where it has one, else the portable libpcap path. Linux's batched sender is
/// <see cref="NativeSink"/> (AF_PACKET sendmmsg, BatchedSender.Linux.cs); elsewhere there is none
/// yet and <c>--send-path auto</c> takes libpcap, which on Windows is already batched through
/// Npcap's send queue (PcapDevice.Windows.cs). A port with its own batched sender adds
/// BatchedSender.{Os}.cs and one line to <see cref="TryOpen"/>. The choice costs nothing per packet:
/// the send loop holds the <see cref="IFrameSink"/> it was given.
/// </summary>
internal static partial class BatchedSender
{
    /// <summary>Opens a batched sender on <paramref name="iface"/>, or returns null with the reason.</summary>
    internal delegate IFrameSink? Opener(string iface, out string? why);

    /// <summary>This platform's batched sender on <paramref name="iface"/>, or null and why there is none.</summary>
    internal static IFrameSink? TryOpen(string iface, out string? why)
    {
        if (OperatingSystem.IsLinux()) return TryOpenLinux(iface, out why);
        why = $"no batched send path on {System.Runtime.InteropServices.RuntimeInformation.OSDescription} (Linux's is AF_PACKET sendmmsg)";
        return null;
    }

    /// <summary>
    /// The send path a scan asked for: <see cref="SendPath.Native"/> the batched sender or a
    /// <see cref="ScanSetupException"/> saying why not; <see cref="SendPath.Pcap"/> the portable path;
    /// <see cref="SendPath.Auto"/> the batched sender where it opens, else the portable path.
    /// </summary>
    internal static IFrameSink Open(SendPath want, string iface, Func<IFrameSink> portable) => Open(want, iface, TryOpen, portable);

    internal static IFrameSink Open(SendPath want, string iface, Opener batched, Func<IFrameSink> portable)
    {
        if (want != SendPath.Pcap)
        {
            var sink = batched(iface, out string? why);
            if (sink is not null) return sink;
            if (want == SendPath.Native) throw new ScanSetupException($"native send path unavailable: {why}");
        }
        return portable();
    }
}
