using RawScan.Output;
using RawScan.Results;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>What the scanner puts on the wire in the lab, seen by tcpdump in the target namespace.</summary>
[Collection(LabScans.Name)]
public class LabWireTests(ScanLabFixture lab) : IClassFixture<ScanLabFixture>
{
    [LabFact]
    public void ExcludedAddressesReceiveNoPacket()
    {
        string excludes = Path.GetTempFileName();
        File.WriteAllText(excludes, "# never these\n198.18.9.64/26\n198.18.9.200-198.18.9.209 # and these\n");
        try
        {
            var lines = LabCapture.While(lab.Info!, "tcp[tcpflags] == tcp-syn and dst net 198.18.9.0/24", () =>
            {
                var r = Cli.Run(["scan", "--lab", lab.Name, "198.18.9.0/24", "-p", "80,443", "--exclude", "198.18.9.7", "--excludefile", excludes, "--wait", "0.5"]);
                Assert.True(r.ExitCode == 0, r.Stderr);
            });
            var excluded = TargetSet.Parse("198.18.9.64/26,198.18.9.200-198.18.9.209,198.18.9.7");
            var syns = lines.Where(l => l.Contains("Flags [S]")).ToList();
            // "198.19.0.2.61234 > 198.18.9.5.80: Flags [S], ..." -> "198.18.9.5"
            var destinations = syns.Select(l => l.Trim().Split(' ')[2].TrimEnd(':')).Select(d => d[..d.LastIndexOf('.')]).ToList();
            Assert.Equal((256 - 64 - 10 - 1) * 2, syns.Count);            // every other address, both ports, once
            Assert.DoesNotContain(destinations, d => excluded.Contains(Ipv4Range.Parse(d).First));
        }
        finally { File.Delete(excludes); }
    }

    [LabFact]
    public void PacketTraceShowsEachProbeAndReply()
    {
        var r = Cli.Run(["scan", "--lab", lab.Name, "198.18.11.1", "-p", "80,81", "--packet-trace", "--wait", "0.5"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var lines = r.Stderr.Split('\n');
        Assert.Equal(2, lines.Count(l => l.StartsWith("SENT 198.19.0.2:", StringComparison.Ordinal) && l.Contains(" S seq=")));
        Assert.Single(lines, l => l.StartsWith("RCVD 198.18.11.1:80 > 198.19.0.2:", StringComparison.Ordinal) && l.Contains(" SA seq="));
        Assert.Single(lines, l => l.StartsWith("RCVD 198.18.11.1:81 > 198.19.0.2:", StringComparison.Ordinal) && l.Contains(" AR seq="));
    }

    [LabFact]
    public void PcapAndNativePathsFindTheSame()
    {
        foreach (var path in new[] { "pcap", "native" })
        {
            string json = Path.GetTempFileName();
            try
            {
                var r = Cli.Run(["scan", "--lab", lab.Name, "198.18.10.0/24", "-p", "22,80,81", "--send-path", path, "-oJ", json, "--wait", "0.5"]);
                Assert.True(r.ExitCode == 0, r.Stderr);
                Assert.Contains($"({path})", r.Stderr);
                using var reader = File.OpenText(json);
                Assert.Equal(256 * 2, JsonLinesWriter.Read(reader).Count(x => x.State == PortState.Open));
            }
            finally { File.Delete(json); }
        }
    }
}
