using System.Xml.Linq;
using RawScan.Output;
using RawScan.Results;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// Issue 16's merge in the lab: four shards of one seed, each its own scan, merged with `rawscan merge`,
/// equal the unsharded scan exactly, in JSON and in XML (read back, and valid against nmap.dtd).
/// </summary>
[Collection(LabScans.Name)]
public class LabMergeTests(ScanLabFixture lab) : IClassFixture<ScanLabFixture>
{
    [LabFact]
    public void FourShardsMergedEqualTheUnshardedScan()
    {
        string dir = Directory.CreateTempSubdirectory("rawscan-merge-").FullName;
        try
        {
            string[] scan = ["scan", "--lab", lab.Name, "198.18.0.0/20", "-p", "22,80,443", "--seed", "11", "--rate", "50000", "--show", "closed,filtered"];
            var shards = new List<string>();
            for (int i = 1; i <= 4; i++)
            {
                string f = Path.Combine(dir, $"s{i}.json");
                var r = Cli.Run([.. scan, "--shard", $"{i}/4", "-oJ", f]);
                Assert.True(r.ExitCode == 0, r.Stderr);
                shards.Add(f);
            }
            string whole = Path.Combine(dir, "whole.json"), wholeXml = Path.Combine(dir, "whole.xml");
            Assert.Equal(0, Cli.Run([.. scan, "-oJ", whole, "-oX", wholeXml]).ExitCode);
            string merged = Path.Combine(dir, "merged.json"), xml = Path.Combine(dir, "merged.xml");
            var m = Cli.Run(["merge", .. shards, "-oJ", merged, "-oX", xml]);
            Assert.True(m.ExitCode == 0, m.Stderr);

            static List<(UInt128, Protocol, ushort, PortState)> Keys(string f) =>
                [.. ReportReader.Read(f).Select(r => (r.Address, r.Protocol, r.Port, r.State)).Order()];
            var expected = Keys(whole);
            Assert.Equal(expected, Keys(merged));
            Assert.Contains(expected, k => k.Item4 == PortState.Open);
            Assert.Contains(expected, k => k.Item4 == PortState.Filtered);
            Reports.AssertValidNmapXml(xml);
            Assert.Equal(Keys(wholeXml), Keys(xml));
            Assert.Equal(expected.Count(k => k.Item4 == PortState.Open),
                XDocument.Load(xml).Descendants("state").Count(s => (string?)s.Attribute("state") == "open"));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
