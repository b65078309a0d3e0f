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
                $"cd '{dir}'; {Cli.Shell} scan --lab {lab.Name} 198.18.0.1-198.18.0.3 -p 1-100,3306,8080 > out.txt 2>&1"]))!;
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

    /// <summary>An XML report is written beside its place and renamed into it whole: during the scan the old one is still there.</summary>
    [LabFact]
    public void ADocumentReplacesTheOldOneOnlyWhenFinished()
    {
        string dir = Directory.CreateTempSubdirectory("rawscan-doc-").FullName;
        try
        {
            string xml = Path.Combine(dir, "r.xml");
            File.WriteAllText(xml, "<old/>");
            var psi = Cli.StartInfo(["scan", "--lab", lab.Name, "198.18.44.0/24", "-p", "1-20", "--rate", "2000", "-oX", xml]);
            using var p = System.Diagnostics.Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            _ = p.StandardOutput.ReadToEndAsync();
            var until = DateTime.UtcNow.AddSeconds(10);
            while (DateTime.UtcNow < until && Directory.GetFiles(dir, ".r.xml.rawscan-*.tmp").Length == 0) Thread.Sleep(20);
            Assert.Single(Directory.GetFiles(dir, ".r.xml.rawscan-*.tmp"));   // being written beside it...
            Assert.Equal("<old/>", File.ReadAllText(xml));                       // ...while the old report stays whole
            Assert.True(p.WaitForExit(60_000));
            Assert.True(p.ExitCode == 0, err.Result);
            Assert.Contains("<nmaprun", File.ReadAllText(xml));
            Assert.Empty(Directory.GetFiles(dir, "*.tmp", SearchOption.AllDirectories));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>An unprivileged --lab scan: one line of ours and exit 1, not ip's message and 255.</summary>
    [LabFact]
    public void ALabScanWithoutRootSaysSoInOneLine()
    {
        var psi = new System.Diagnostics.ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["--reuid=65534", "--regid=65534", "--clear-groups",
                     "env", "DOTNET_CLI_HOME=/tmp", "DOTNET_NOLOGO=1", .. UnprivilegedCli.Command, "scan", "--lab", lab.Name, "198.18.0.1", "-p", "80"])
            psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        _ = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000));
        Assert.Equal(1, p.ExitCode);
        Assert.Equal($"rawscan: a scan inside lab '{lab.Name}' needs root (network namespaces): run it with sudo\n", stderr);
    }
}
