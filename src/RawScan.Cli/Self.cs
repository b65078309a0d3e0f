namespace RawScan.Cli;

/// <summary>How to start this program again (inside a namespace, or as the lab's service process).</summary>
internal static class Self
{
    public static IReadOnlyList<string> Command
    {
        get
        {
            var exe = Environment.ProcessPath ?? "rawscan";
            var name = Path.GetFileNameWithoutExtension(exe);
            // Under `dotnet rawscan.dll` the program is the assembly beside this one; published natively, the executable itself.
            return name == "dotnet" ? [exe, Path.Combine(AppContext.BaseDirectory, "rawscan.dll")] : [exe];
        }
    }
}
