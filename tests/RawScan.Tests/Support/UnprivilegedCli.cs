namespace RawScan.Tests;

/// <summary>
/// The rawscan CLI for tests that run it as an unprivileged user (nobody): a copy of the build output
/// in a folder any user can read, since a clone may sit where only root can (/root is 0700).
/// </summary>
internal static class UnprivilegedCli
{
    private static readonly Lazy<string> Copy = new(() =>
    {
        string dir = Path.Combine(Path.GetTempPath(), $"rawscan-unprivileged-{Environment.ProcessId}");
        if (!Directory.Exists(dir))
        {
            string from = AppContext.BaseDirectory;
            foreach (var source in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            {
                // Not a scan's place: other tests' scans run in this folder and keep theirs here while they
                // run (paused.rawscan, its journal, and the temporary file it is written through, locked).
                if (IsScanPlace(Path.GetFileName(source))) continue;
                string target = Path.Combine(dir, Path.GetRelativePath(from, source));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(source, target, overwrite: true);
                File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead
                    | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            }
            foreach (var d in Directory.EnumerateDirectories(dir, "*", SearchOption.AllDirectories).Append(dir))
                File.SetUnixFileMode(d, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
                    | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
        return Path.Combine(dir, "rawscan.dll");
    });

    private static bool IsScanPlace(string name) =>
        name.StartsWith("paused", StringComparison.Ordinal) || name.Contains(".rawscan", StringComparison.Ordinal) || name.EndsWith(".tmp", StringComparison.Ordinal);

    /// <summary>rawscan.dll in a folder nobody can read and enter.</summary>
    public static string Dll => Copy.Value;
}
