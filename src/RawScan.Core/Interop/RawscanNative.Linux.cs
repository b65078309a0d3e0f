using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace RawScan.Interop;

/// <summary>
/// librawscan_native (native/rawscan_tx.c), the batched Linux send path, built by RawScan.Core's own
/// build and found next to the application by <see cref="NativeLibraries"/>. Every function returns
/// a count or 0 on success and -errno on failure; pointers stay pointers. Linux only (AF_PACKET).
/// </summary>
[SupportedOSPlatform("linux")]
internal static unsafe partial class RawscanNative
{
    internal const string Library = "rawscan_native";
    internal const string FileName = "librawscan_native.so";

    /// <summary>The ABI this binding was written against (rawscan_tx_abi_version).</summary>
    internal const int Abi = 1;
    internal const int ErrSize = 256;

    // rawscan_tx_open flags, as in rawscan_tx.c.
    internal const int QdiscBypass = 1;
    internal const int TxRing = 2;

    [LibraryImport(Library, EntryPoint = "rawscan_tx_abi_version")]
    internal static partial int AbiVersion();

    [LibraryImport(Library, EntryPoint = "rawscan_tx_max_batch")]
    internal static partial int MaxBatch();

    [LibraryImport(Library, EntryPoint = "rawscan_tx_open", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string ifname, int flags, out RawscanTxHandle tx, byte* err, int errlen);

    /// <summary>Sends <paramref name="count"/> frames, frame i at <paramref name="frames"/> + i * <paramref name="stride"/>; returns how many went.</summary>
    [LibraryImport(Library, EntryPoint = "rawscan_tx_send")]
    internal static partial int Send(RawscanTxHandle tx, byte* frames, int stride, int* lengths, int count);

    /// <summary>As <see cref="Send(RawscanTxHandle, byte*, int, int*, int)"/> with a raw pointer: only for testing the C side's own checks (a null handle).</summary>
    [LibraryImport(Library, EntryPoint = "rawscan_tx_send")]
    internal static partial int Send(nint tx, byte* frames, int stride, int* lengths, int count);

    [LibraryImport(Library, EntryPoint = "rawscan_tx_close")]
    internal static partial void Close(nint tx);
}

/// <summary>Owns a rawscan_tx*: the socket (and TX ring) close once, after the last send using it returns.</summary>
[SupportedOSPlatform("linux")]
internal sealed class RawscanTxHandle : SafeHandle
{
    public RawscanTxHandle() : base(0, ownsHandle: true) { }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        RawscanNative.Close(handle);
        return true;
    }
}
