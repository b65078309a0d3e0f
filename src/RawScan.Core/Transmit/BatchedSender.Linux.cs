using System.Runtime.Versioning;

namespace RawScan.Transmit;

internal static partial class BatchedSender
{
    /// <summary>Linux: an AF_PACKET socket and one sendmmsg per batch, through the C shim (native/rawscan_tx.c).</summary>
    [SupportedOSPlatform("linux")]
    private static IFrameSink? TryOpenLinux(string iface, out string? why) =>
        NativeSink.TryOpen(iface, qdiscBypass: false, out why);
}
