using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using RawScan.Lab.Interop;

namespace RawScan.Lab.Internal;

/// <summary>
/// Re-points this process's standard streams. System.Diagnostics.Process can only give a child
/// pipes, which a detached service must not keep (the parent exits; a reader waiting for EOF, such
/// as $(rawscan lab up), would wait forever), so the service redirects itself as it starts.
/// </summary>
internal static class Stdio
{
    /// <summary>stdin from /dev/null; stdout and stderr appended to <paramref name="logPath"/>.</summary>
    public static void Detach(string logPath)
    {
        using var devNull = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Read);
        using var log = File.OpenHandle(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        Dup(devNull, 0);
        Dup(log, 1);
        Dup(log, 2);
    }

    private static void Dup(SafeFileHandle from, int to)
    {
        if (Libc.Dup2((int)from.DangerousGetHandle(), to) < 0)
            throw new IOException($"dup2 onto fd {to} failed: {Marshal.GetLastPInvokeErrorMessage()}");
    }
}
