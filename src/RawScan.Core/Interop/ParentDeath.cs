namespace RawScan.Interop;

/// <summary>
/// A process run for another (the scan a <c>--lab</c> run starts inside the lab) ends with it: if the
/// parent dies, even by SIGKILL, the kernel sends this process SIGTERM (PR_SET_PDEATHSIG), which a scan
/// takes as "stop, write out what was found and save the position". Without it a killed --lab parent
/// left the inner scan running, orphaned. Linux only; elsewhere nothing.
/// </summary>
public static class ParentDeath
{
    private const int SIGTERM = 15;

    /// <summary>Asks for SIGTERM when the parent <paramref name="expectedParent"/> dies; true if set (false: not Linux, or the parent is already gone).</summary>
    public static bool TerminateWith(int expectedParent)
    {
        if (!OperatingSystem.IsLinux()) return false;
        if (Libc.Prctl(Libc.PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) != 0) return false;
        // The parent may have died before the request: then this process was already re-parented.
        return Libc.GetParentPid() == expectedParent;
    }
}
