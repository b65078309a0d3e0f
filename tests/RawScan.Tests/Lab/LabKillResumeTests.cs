using System.Diagnostics;
using RawScan.Output;
using RawScan.Results;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// Issue 12's judge: SIGKILL at a random moment of a /18 x 3-port scan, then --resume (killed again at
/// random, then resumed to the end). The scan keeps its place about once a second beside a journal of
/// its results, so what was settled before the kill is kept, what was in flight is probed again, and
/// the reports, rendered from the journal, hold the whole scan: the union equals the lab's truth,
/// nothing twice, every line whole.
/// </summary>
[Collection(LabScans.Name)]
public class LabKillResumeTests(ScanLabFixture lab) : IClassFixture<ScanLabFixture>
{
    private const string Targets = "198.18.0.0/18", Ports = "22,81,443";

    [LabTheory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void SigkillAtRandomThenResumeReportsTheTruthExactlyOnce(int round)
    {
        var random = new Random(Environment.TickCount ^ round);
        string dir = Directory.CreateTempSubdirectory("rawscan-sigkill-").FullName;
        try
        {
            string json = Path.Combine(dir, "r.json"), csv = Path.Combine(dir, "r.csv"), xml = Path.Combine(dir, "r.xml");
            string[] scan = ["scan", Targets, "-p", Ports, "--rate", "20000", "--retries", "1", "--wait", "1", "--show", "closed,filtered",
                "-oJ", json, "-oC", csv, "-oX", xml];
            var kills = new List<string>();
            string[] resume = ["scan", "--resume", "paused.rawscan"], next = scan;
            // Killed twice at random (the scan, then its resume), then run to the end.
            for (int k = 0; k < 2; k++)
            {
                int at = random.Next(400, 3500);
                bool killed = RunInLab(dir, next, killAfterMs: at, out string err);
                kills.Add($"{(killed ? "killed" : "finished")} after {at} ms");
                if (!killed) { next = []; break; }
                if (File.Exists(Path.Combine(dir, "paused.rawscan"))) next = resume;
                else
                {
                    // Killed while starting (the runtime takes ~0.5 s): nothing was sent and no file touched.
                    Assert.Same(scan, next);
                    Assert.False(File.Exists(json), $"killed before keeping a place, yet {json} was written");
                }
            }
            if (next.Length > 0) Assert.False(RunInLab(dir, next, killAfterMs: 0, out _));
            Assert.False(File.Exists(Path.Combine(dir, "paused.rawscan")), "a completed scan left its place");
            Assert.False(File.Exists(Path.Combine(dir, "paused.rawscan.journal")), "a completed scan left its journal");

            string how = string.Join(", ", kills);
            var truth = lab.Truth!.Expect(TargetSet.Parse(Targets), PortSet.Parse(Ports), Protocol.Tcp)
                .ToDictionary(t => (t.Address, t.Port), t => t.State);
            var answered = truth.Where(t => t.Value != PortState.Filtered).Select(t => t.Key.Address).ToHashSet();
            foreach (var file in new[] { json, csv, xml })
            {
                var results = ReportReader.Read(file);                    // throws on a line that does not parse
                var found = new Dictionary<(UInt128, ushort), PortState>();
                foreach (var r in results)
                    Assert.True(found.TryAdd((r.Address, r.Port), r.State), $"{file}: {r} reported twice ({how})");
                // nmap's XML lists no host that answered nothing (all three ports dropped): it is down.
                var expected = file == xml ? truth.Where(t => answered.Contains(t.Key.Address)).ToDictionary() : truth;
                foreach (var ((address, port), state) in expected)
                {
                    Assert.True(found.TryGetValue((address, port), out var got), $"{file}: {Ip.Format(address)}:{port} missing ({how})");
                    Assert.True(got == state, $"{file}: {Ip.Format(address)}:{port} is {state.Name()}, reported {got.Name()} ({how})");
                }
                Assert.Equal(expected.Count, found.Count);
            }
            Assert.Contains(truth.Values, s => s == PortState.Open);
            Assert.Contains(truth.Values, s => s == PortState.Closed);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private bool RunInLab(string dir, string[] args, int killAfterMs, out string stderr) =>
        KillableScan.Run(lab.Info!, dir, args, killAfterMs, out stderr);
}
