namespace RawScan.Tests;

/// <summary>
/// The rawscan CLI for tests that run it as an unprivileged user (nobody): a copy of the program's folder
/// (the native program's, or the build output beside the tests) in a folder any user can read, since a
/// clone may sit where only root can (/root is 0700).
/// </summary>
internal static class UnprivilegedCli
{
    private static readonly Lazy<string> Copy = new(() =>
    {
        string dir = Path.Combine(Path.GetTempPath(), $"rawscan-unprivileged-{Environment.ProcessId}");
        if (!Directory.Exists(dir))
        {
            string from = Cli.Native is { } bin ? Path.GetDirectoryName(bin)! : AppContext.BaseDirectory;
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
        return dir;
    });

    private static bool IsScanPlace(string name) =>
        name.StartsWith("paused", StringComparison.Ordinal) || name.Contains(".rawscan", StringComparison.Ordinal) || name.EndsWith(".tmp", StringComparison.Ordinal);

    /// <summary>The program, copied where the user nobody can read and run it: [rawscan] or [dotnet, rawscan.dll].</summary>
    public static IReadOnlyList<string> Command => Cli.Native is { } bin
        ? [Path.Combine(Copy.Value, Path.GetFileName(bin))]
        : ["dotnet", Path.Combine(Copy.Value, "rawscan.dll")];
}
