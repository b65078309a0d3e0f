using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace RawScan.Interop;

/// <summary>
/// Resolves the native libraries by name at load time: libpcap goes by several sonames (Debian's
/// libpcap0.8 ships libpcap.so.0.8, other distributions libpcap.so.1, Npcap wpcap.dll). SharpPcap
/// resolves its own calls; this resolver serves the few RawScan makes on SharpPcap's handle (PcapExtras).
/// </summary>
internal static class NativeLibraries
{
#pragma warning disable CA2255 // a library's one resolver belongs in its module initializer
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Install() => NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name == RawscanNative.Library)
            return OperatingSystem.IsLinux() ? ResolveShim() : throw new DllNotFoundException("librawscan_native is Linux only");
        if (name != PcapExtras.Library) return 0;
        // SharpPcap's order (LibPcapSafeNativeMethods.Resolver; on Windows it sets System32\Npcap as the
        // DLL directory): our calls on its handle must reach the same library it loaded.
        string[] candidates = OperatingSystem.IsWindows()
            ? [Path.Combine(Environment.SystemDirectory, "Npcap", "wpcap.dll"), "wpcap"]
            : OperatingSystem.IsMacOS() ? ["libpcap.dylib", "libpcap.A.dylib"]
            : ["libpcap.so", "libpcap.so.0", "libpcap.so.0.8", "libpcap.so.1"];
        foreach (var c in candidates)
            if (NativeLibrary.TryLoad(c, assembly, path, out nint lib)) return lib;
        throw new DllNotFoundException(
            $"libpcap not found (tried {string.Join(", ", candidates)}); on Debian: apt-get install libpcap0.8");
    }

    /// <summary>
    /// Only the copy built with this application: a stale one on the system path could have another ABI.
    /// NativeSink.TryOpen turns the exception into its reason for falling back.
    /// </summary>
    [SupportedOSPlatform("linux")]
    private static nint ResolveShim()
    {
        string own = Path.Combine(AppContext.BaseDirectory, RawscanNative.FileName);
        if (NativeLibrary.TryLoad(own, out nint h)) return h;
        throw new DllNotFoundException(File.Exists(own)
            ? $"{own} exists but does not load (built for another system?)"
            : $"{own} not found (RawScan.Core's build makes it when a C compiler, cc, is installed)");
    }
}
