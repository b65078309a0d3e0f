using System.Diagnostics;
using Xunit;

namespace RawScan.Tests;

/// <summary>Streamed reports reach their files while a slow scan runs, not in bursts at its end.</summary>
[Collection(LabScans.Name)]
public class LabStreamingTests(ScanLabFixture lab) : IClassFixture<ScanLabFixture>
{
    [LabFact]
    public void JsonLinesOfASlowScanReachTheFileWhileItRuns()
    {
        string json = Path.GetTempFileName();
        try
        {
            // 7 open ports at 2 probes/s: about 3.5 s of sending, one result every half second.
            var psi = Cli.StartInfo(["scan", "--lab", lab.Name, "198.18.12.1", "-p", "22,25,80,443,3306,8080,31337", "--rate", "2", "-oJ", json, "--wait", "0.5"]);
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            _ = p.StandardOutput.ReadToEndAsync();
            int Lines()
            {
                using var r = new StreamReader(new FileStream(json, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
                return r.ReadToEnd().Count(c => c == '\n');
            }
            int seenWhileRunning = 0;
            while (!p.WaitForExit(100)) seenWhileRunning = Math.Max(seenWhileRunning, Lines());
            Assert.True(p.ExitCode == 0, stderr.Result);
            Assert.Equal(7, Lines());
            // Every result but those of the last second or so was in the file before the scan ended.
            Assert.True(seenWhileRunning >= 4, $"only {seenWhileRunning} of 7 lines reached the file while the scan ran");
        }
        finally { File.Delete(json); }
    }
}
