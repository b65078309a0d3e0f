using System.Runtime.InteropServices;

namespace RawScan.Lab.Interop;

/// <summary>The few libc calls the lab makes directly: signalling processes and re-pointing stdio.</summary>
internal static partial class Libc
{
    private const string Library = "libc";

    internal const int SIGKILL = 9;
    internal const int SIGTERM = 15;

    /// <returns>0, or -1 with errno (ESRCH: no such process).</returns>
    [LibraryImport(Library, EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);

    /// <returns><paramref name="newFd"/>, or -1 with errno.</returns>
    [LibraryImport(Library, EntryPoint = "dup2", SetLastError = true)]
    internal static partial int Dup2(int oldFd, int newFd);
}
