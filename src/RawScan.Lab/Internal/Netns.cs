using RawScan.Lab.Interop;

namespace RawScan.Lab.Internal;

/// <summary>Named network namespaces, through iproute2 (<c>ip netns</c>), and the processes in them.</summary>
internal static class Netns
{
    /// <summary>The names <c>ip netns list</c> knows (lines are "name" or "name (id: N)").</summary>
    public static IReadOnlySet<string> List() =>
        Exec.Run("ip", "netns", "list")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ')[0])
            .ToHashSet();

    /// <summary>
    /// Whether <paramref name="ns"/> is a named namespace: the file <c>ip netns add</c> binds it to, which is
    /// what <c>ip netns list</c> lists (iproute2's NETNS_RUN_DIR), without starting ip for it.
    /// </summary>
    public static bool Exists(string ns) => File.Exists(Path.Combine(RunDirectory, ns));

    private const string RunDirectory = "/run/netns";

    /// <summary>
    /// Live processes whose network namespace is <paramref name="ns"/>. Zombies are not listed: a
    /// dead process has left its namespaces.
    /// </summary>
    public static IReadOnlyList<int> Pids(string ns)
    {
        var r = Exec.TryRun(null, ["ip", "netns", "pids", ns]);
        if (r.ExitCode != 0) return [];
        return r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(int.Parse).ToList();
    }

    /// <summary>
    /// Ends every process in the namespaces: SIGTERM, up to 2 s to exit, then SIGKILL. A namespace
    /// can be deleted with processes in it, but they would live on, detached and unreachable.
    /// </summary>
    public static void KillAll(IReadOnlyCollection<string> namespaces)
    {
        Signal(namespaces, Libc.SIGTERM);
        if (WaitEmpty(namespaces, TimeSpan.FromSeconds(2))) return;
        Signal(namespaces, Libc.SIGKILL);
        if (!WaitEmpty(namespaces, TimeSpan.FromSeconds(2)))
            throw new LabException($"processes in {string.Join(", ", namespaces)} survived SIGKILL: "
                + string.Join(" ", namespaces.SelectMany(Pids)));
    }

    private static void Signal(IEnumerable<string> namespaces, int signal)
    {
        // A process may exit between listing and signalling: ESRCH is success here.
        foreach (var ns in namespaces)
            foreach (int pid in Pids(ns))
                Libc.Kill(pid, signal);
    }

    private static bool WaitEmpty(IEnumerable<string> namespaces, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            if (namespaces.All(ns => Pids(ns).Count == 0)) return true;
            if (DateTime.UtcNow >= deadline) return false;
            Thread.Sleep(50);
        }
    }
}
