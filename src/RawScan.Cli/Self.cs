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
            return name == "dotnet" ? [exe, typeof(Self).Assembly.Location] : [exe];
        }
    }
}
