using RawScan.Interop;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// A test of the native send path: it needs librawscan_native.so next to the tests, which the build
/// makes when cc is installed; without it the test is skipped, saying so.
/// </summary>
public sealed class NativeFactAttribute : FactAttribute
{
    public static bool Built => File.Exists(Path.Combine(AppContext.BaseDirectory, RawscanNative.FileName));

    public NativeFactAttribute(bool root = false)
    {
        if (!Built) Skip = $"{RawscanNative.FileName} was not built (no cc when the tests were built)";
        else if (root && !LabFactAttribute.CanRun) Skip = $"opens AF_PACKET sockets and labs: needs root (running as {Environment.UserName}) and iproute2";
    }
}
