using Xunit;

namespace RawScan.Tests;

/// <summary>
/// Output files are touched only by a scan that starts (issue 12): bad input, or a scan that cannot
/// start, leaves an existing report exactly as it was.
/// </summary>
[Collection(LabScans.Name)]
public class LabOutputSafetyTests(ScanLabFixture lab) : IClassFixture<ScanLabFixture>
{
    private const string Kept = "{\"ip\":\"198.18.0.1\",\"proto\":\"tcp\",\"port\":80,\"state\":\"open\"}\n";

    [LabFact]
    public void ABadOutputAfterAGoodOneLeavesTheGoodOneAlone()
    {
        string keep = Path.GetTempFileName();
        try
        {
            File.WriteAllText(keep, Kept);
            var r = Cli.Run(["scan", "--lab", lab.Name, "198.18.0.1", "-p", "80", "-oJ", keep, "-oX", "/nonexistent/dir/x.xml"]);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("'/nonexistent/dir/x.xml'", r.Stderr);
            Assert.Equal(Kept, File.ReadAllText(keep));
        }
        finally { File.Delete(keep); }
    }

    [LabFact]
    public void AScanThatCannotStartLeavesItsOutputsAlone()
    {
        string keep = Path.GetTempFileName(), xml = Path.GetTempFileName();
        try
        {
            File.WriteAllText(keep, Kept);
            File.WriteAllText(xml, "<old/>");
            // 198.19.200.1 is in the lab's block but routed nowhere in its scanner namespace: no route.
            var r = Cli.Run(["scan", "--lab", lab.Name, "198.19.200.1", "-p", "80", "-oJ", keep, "-oX", xml]);
            Assert.Equal(1, r.ExitCode);
            Assert.Contains("no route to 198.19.200.1", r.Stderr);
            Assert.Equal(Kept, File.ReadAllText(keep));
            Assert.Equal("<old/>", File.ReadAllText(xml));
        }
        finally { File.Delete(keep); File.Delete(xml); }
    }

    [LabFact]
    public void AScanThatStartsStillWritesItsOutputs()
    {
        string json = Path.GetTempFileName();
        try
        {
            File.WriteAllText(json, "stale\n");
            var r = Cli.Run(["scan", "--lab", lab.Name, "198.18.0.1", "-p", "80,81", "-oJ", json, "--wait", "0.3"]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.DoesNotContain("stale", File.ReadAllText(json));
            Assert.Contains("\"port\":80,\"state\":\"open\"", File.ReadAllText(json));
        }
        finally { File.Delete(json); }
    }

    /// <summary>
    /// `rawscan scan ... > out 2>&1`: the table (standard output) and the summary (standard error) share
    /// one file. Standard output must append as standard error does: a stream writing at its own
    /// position overwrote the summary's lines ("pen          mysql" was left of one).
    /// </summary>
    [LabFact]
    public void TheTableAndTheSummaryShareOneFileWithoutOverwritingEachOther()
    {
        string dir = Directory.CreateTempSubdirectory("rawscan-both-").FullName;
        try
        {
            using var bash = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("bash", ["-c",
                $"cd '{dir}'; dotnet '{Cli.Dll}' scan --lab {lab.Name} 198.18.0.1-198.18.0.3 -p 1-100,3306,8080 > out.txt 2>&1"]))!;
            Assert.True(bash.WaitForExit(60_000));
            var lines = File.ReadAllLines(Path.Combine(dir, "out.txt"));
            var shapes = new System.Text.RegularExpressions.Regex(@"^(rawscan: |198\.18\.0\.[123] \(up|Not shown: |PORT +STATE|\d+/(tcp|udp) +open|$)");
            Assert.All(lines, l => Assert.Matches(shapes, l));
            Assert.Equal(3, lines.Count(l => l.StartsWith("198.18.0.", StringComparison.Ordinal)));
            Assert.Contains(lines, l => l.StartsWith("rawscan: 306/306 probes sent", StringComparison.Ordinal));
            Assert.Equal(3 * 5, lines.Count(l => l.Length > 0 && char.IsAsciiDigit(l[0]) && l.Contains("/tcp") && l.Contains(" open ")));   // 22, 25, 80, 3306, 8080
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
