using System.Diagnostics;
using System.Text.RegularExpressions;
using RawScan.Lab;
using RawScan.Lab.Internal;
using RawScan.Lab.Interop;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// <c>rawscan lab forge</c>: forged SYN-ACKs and RSTs, seen by tcpdump on the scanner's side of the
/// link as well-formed packets from the live range to the scanner's addresses and source ports.
/// </summary>
[Collection(LabScans.Name)]
public partial class LabForgerTests
{
    [Fact]
    public void RefusesToRunOutsideTheTargetNamespace()
    {
        var spec = LabSpec.For(LabManagerTests.UniqueName());
        Assert.Throws<InvalidOperationException>(() => LabForger.Run(spec, 1000, 1, TimeSpan.Zero, CancellationToken.None));
        Assert.Equal(1, LabCommand.Run(["forge-run", spec.Name, "--count", "1"], ["/nonexistent/rawscan"]));
    }

    [Theory]
    [InlineData("forge --rate 0")]
    [InlineData("forge --rate abc")]
    [InlineData("forge --count 0")]
    [InlineData("forge --count 1.5")]
    [InlineData("forge --seconds -1")]
    [InlineData("forge --count 5 --count 6")]
    [InlineData("forge 5")]
    public void BadForgeUsageExits2(string args) =>
        Assert.Equal(2, LabCommand.Run(args.Split(' '), ["/nonexistent/rawscan"]));

    [LabFact]
    public void ForgedRepliesAreWellFormedAndAimedAtTheScanner()
    {
        string name = LabManagerTests.UniqueName();
        try
        {
            var lab = LabManager.Up(name, Cli.Command);
            var lines = LabCapture.OnScanner(lab, "tcp and dst net 198.19.0.0/24", () =>
            {
                var r = Cli.Run(["lab", "forge", "--name", name, "--count", "1000", "--rate", "20000"]);
                Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
                Assert.Contains("forged 1000 replies", r.Stdout);
            });

            // tcpdump -vv -t: "IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto TCP (6), length 40)" then
            // "    198.18.7.9.80 > 198.19.0.2.61234: Flags [S.], cksum 0x1234 (correct), seq 1, ack 2, win 64240, length 0".
            Assert.DoesNotContain(lines, l => l.Contains("bad cksum") || l.Contains("incorrect"));
            var packets = lines.Where(l => l.Contains("Flags [")).ToList();
            Assert.Equal(1000, packets.Count);
            var live = Ipv4Range.Parse("198.18.0.0/16");
            var flags = new Dictionary<string, int>();
            var destinations = new HashSet<string>();
            foreach (var line in packets)
            {
                var m = TcpLine().Match(line);
                Assert.True(m.Success, line);
                Assert.True(live.Contains(Ipv4Range.Parse(m.Groups["src"].Value).First), line);
                Assert.InRange(int.Parse(m.Groups["dport"].Value), 61000, 65535);
                Assert.Contains(m.Groups["flags"].Value, new[] { "S.", "R.", "R" });
                Assert.Contains("(correct)", line);
                flags[m.Groups["flags"].Value] = flags.GetValueOrDefault(m.Groups["flags"].Value) + 1;
                destinations.Add(m.Groups["dst"].Value);
            }
            Assert.Equal(new[] { "198.19.0.10", "198.19.0.2" }, destinations.Order(StringComparer.Ordinal).ToArray());
            Assert.Equal(3, flags.Count); // each kind appears (about 500, 250, 250)
        }
        finally
        {
            LabManager.Down(name);
        }
    }

    [LabFact]
    public void StopsAtItsTimeOrOnSigtermSayingHowManyWent()
    {
        string name = LabManagerTests.UniqueName();
        try
        {
            var lab = LabManager.Up(name, Cli.Command);

            var timed = Cli.Run(["lab", "forge", "--name", name, "--seconds", "1", "--rate", "5000"]);
            Assert.True(timed.ExitCode == 0, timed.Stderr);
            long sent = long.Parse(SentCount().Match(timed.Stdout).Groups[1].Value);
            Assert.InRange(sent, 4000, 5100);

            var psi = Cli.StartInfo(["lab", "forge", "--name", name, "--rate", "2000"]);
            using var forge = Process.Start(psi)!;
            var stdout = forge.StandardOutput.ReadToEndAsync();
            var stderr = forge.StandardError.ReadToEndAsync();
            Thread.Sleep(2000); // the runtime starts twice (here and in the namespace), then ARP: well under 2 s
            if (forge.HasExited) Assert.Fail($"forge exited early ({forge.ExitCode}): {stderr.Result}");
            Assert.Equal(0, Libc.Kill(forge.Id, Libc.SIGTERM));
            Assert.True(forge.WaitForExit(10_000), "forge did not stop on SIGTERM");
            Assert.True(forge.ExitCode == 0, stderr.Result);
            Assert.True(long.Parse(SentCount().Match(stdout.Result).Groups[1].Value) > 0, stdout.Result);
            Assert.Equal(new[] { lab.ServePid!.Value }, Netns.Pids(lab.TargetNamespace).ToArray()); // no forger left behind
        }
        finally
        {
            LabManager.Down(name);
        }
    }

    [GeneratedRegex(@"^\s*(?<src>\d+\.\d+\.\d+\.\d+)\.(?<sport>\d+) > (?<dst>\d+\.\d+\.\d+\.\d+)\.(?<dport>\d+): Flags \[(?<flags>[^\]]+)\]")]
    private static partial Regex TcpLine();

    [GeneratedRegex(@"forged (\d+) replies")]
    private static partial Regex SentCount();
}
