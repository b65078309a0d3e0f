using System.Buffers.Binary;
using System.Diagnostics;
using RawScan.Lab;
using RawScan.Output;
using RawScan.Results;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// Issue 12's fault suite: a disk that fills under a report or under the dry run's pcap, and an
/// interface deleted mid-scan. Each stops the scan, never the process: one line naming the file or
/// the interface, exit 1, no stack trace, the place kept; no probe it did not finish is called
/// filtered; and the resume, once the fault is gone, reports the lab's truth exactly once.
/// </summary>
[Collection(LabScans.Name)]
public class LabFaultTests(ScanLabFixture lab) : IClassFixture<ScanLabFixture>
{
    private const string Targets = "198.18.16.0/20";

    [LabFact]
    public void AFullDiskStopsTheScanAndTheResumeWritesTheWholeReport()
    {
        string dir = Directory.CreateTempSubdirectory("rawscan-full-").FullName, full = Path.Combine(dir, "full");
        Directory.CreateDirectory(full);
        RawScan.Lab.Internal.Exec.Run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", full);
        try
        {
            string json = Path.Combine(full, "c.json");
            var first = InLab(dir, "scan", Targets, "-p", "1-20", "--rate", "40000", "--retries", "1", "--wait", "1",
                "--show", "closed,filtered", "-oJ", json);
            Assert.True(first.ExitCode == 1, first.Stderr);
            var failure = Assert.Single(Lines(first.Stderr), l => l.Contains("scan failed"));
            Assert.Contains(json, failure);
            Assert.Contains("No space left on device", failure);
            Assert.Contains("finish with: rawscan scan --resume paused.rawscan", first.Stderr);

            RawScan.Lab.Internal.Exec.Run("mount", "-o", "remount,size=64m", full);
            var resumed = InLab(dir, "scan", "--resume", "paused.rawscan");
            Assert.True(resumed.ExitCode == 0, resumed.Stderr);
            AssertTruthOnce(json, "1-20");
            Assert.False(File.Exists(Path.Combine(dir, "paused.rawscan")));
        }
        finally
        {
            RawScan.Lab.Internal.Exec.TryRun(null, ["umount", full]);
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The dry run's pcap writer on a full disk: a one-line failure naming the file, and a place to finish from.</summary>
    [LabFact]
    public void AFullDiskUnderTheDryRunsPcapStopsItInOneLine()
    {
        string dir = Directory.CreateTempSubdirectory("rawscan-fullpcap-").FullName, full = Path.Combine(dir, "full");
        Directory.CreateDirectory(full);
        RawScan.Lab.Internal.Exec.Run("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", full);
        try
        {
            string a = Path.Combine(full, "a.pcap"), b = Path.Combine(dir, "b.pcap");
            var first = InLab(dir, "scan", "198.18.0.0/16", "-p", "80", "--dry-run", "--write-pcap", a);
            Assert.True(first.ExitCode == 1, first.Stderr);
            var failure = Assert.Single(Lines(first.Stderr), l => l.Contains("scan failed"));
            Assert.Contains(a, failure);
            Assert.Contains("No space left on device", failure);

            var resumed = InLab(dir, "scan", "--resume", "paused.rawscan", "--write-pcap", b);
            Assert.True(resumed.ExitCode == 0, resumed.Stderr);
            // Every address is in one pcap or the other (the batch that did not fit is written again).
            var addresses = Destinations(a, complete: false).Concat(Destinations(b, complete: true)).ToHashSet();
            Assert.Equal(65536, addresses.Count);
        }
        finally
        {
            RawScan.Lab.Internal.Exec.TryRun(null, ["umount", full]);
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// `ip link del scan0` mid-scan: exit 1 naming the interface, and the probes the scan had in flight
    /// (and the batch the interface refused) are not called filtered: the resume probes them, once.
    /// </summary>
    [LabFact]
    public void AnInterfaceDeletedMidScanLosesNothingAndTheLabSaysItIsBroken()
    {
        string dir = Directory.CreateTempSubdirectory("rawscan-linkdel-").FullName;
        try
        {
            string json = Path.Combine(dir, "j.json");
            var psi = InLabStart(dir, "scan", Targets, "-p", "1-10", "--rate", "5000", "--retries", "1", "--wait", "1",
                "--show", "closed,filtered", "-oJ", json);
            using (var p = Process.Start(psi)!)
            {
                var err = p.StandardError.ReadToEndAsync();
                var output = p.StandardOutput.ReadToEndAsync();
                Thread.Sleep(2500);                                  // about 10,000 of 40,960 probes sent
                RawScan.Lab.Internal.Exec.Run("ip", "-n", lab.Info!.ScannerNamespace, "link", "del", lab.Info.ScannerInterface);
                Assert.True(p.WaitForExit(30_000));
                string stderr = err.Result;
                _ = output.Result;
                Assert.True(p.ExitCode == 1, stderr);
                Assert.DoesNotContain("   at ", stderr);
                Assert.Contains(lab.Info.ScannerInterface, Assert.Single(Lines(stderr), l => l.Contains("scan failed")));
                Assert.Contains("finish with:", stderr);
            }
            // What it wrote is true: nothing in this range is filtered, so a filtered line is a probe it did not finish.
            using (var reader = File.OpenText(json))
                Assert.DoesNotContain(JsonLinesWriter.Read(reader), r => r.State == PortState.Filtered);
            var status = Cli.Run(["lab", "status", "--name", lab.Name]);
            Assert.Equal(1, status.ExitCode);
            Assert.Contains("broken", status.Stdout);

            LabManager.Down(lab.Name);
            LabManager.Up(lab.Name, Cli.Command);
            var resumed = InLab(dir, "scan", "--resume", "paused.rawscan");
            Assert.True(resumed.ExitCode == 0, resumed.Stderr);
            AssertTruthOnce(json, "1-10");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private void AssertTruthOnce(string json, string ports)
    {
        using var reader = File.OpenText(json);
        var found = new Dictionary<(UInt128, ushort), PortState>();
        foreach (var r in JsonLinesWriter.Read(reader))
            Assert.True(found.TryAdd((r.Address, r.Port), r.State), $"{r} reported twice");
        int n = 0;
        foreach (var (address, port, state) in lab.Truth!.Expect(TargetSet.Parse(Targets), PortSet.Parse(ports), Protocol.Tcp))
        {
            n++;
            Assert.True(found.TryGetValue((address, port), out var got), $"{Ip.Format(address)}:{port} missing");
            Assert.True(got == state, $"{Ip.Format(address)}:{port} is {state.Name()}, reported {got.Name()}");
        }
        Assert.Equal(n, found.Count);
    }

    /// <summary>The IPv4 destinations of a pcap's frames; a file cut by a full disk may end in a partial frame, which is left out.</summary>
    private static IEnumerable<uint> Destinations(string pcap, bool complete)
    {
        var bytes = File.ReadAllBytes(pcap);
        for (int at = 24; at + 16 <= bytes.Length;)
        {
            int length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at + 8));
            if (at + 16 + length > bytes.Length)
            {
                Assert.False(complete, $"{pcap} ends in a partial frame");
                yield break;
            }
            yield return BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(at + 16 + 30));
            at += 16 + length;
        }
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private ProcessStartInfo InLabStart(string dir, params string[] args)
    {
        return Cli.InNamespace(lab.Info!.ScannerNamespace, dir, args);
    }

    /// <summary>Runs rawscan in the lab's scanner namespace, in <paramref name="dir"/> (where its place is kept).</summary>
    private Cli.Result InLab(string dir, params string[] args)
    {
        using var p = Process.Start(InLabStart(dir, args))!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEndAsync();
        Assert.True(p.WaitForExit(120_000), "the scan did not end");
        var r = new Cli.Result(p.ExitCode, output.Result, err.Result);
        Assert.DoesNotContain("   at ", r.Stderr);
        return r;
    }
}
