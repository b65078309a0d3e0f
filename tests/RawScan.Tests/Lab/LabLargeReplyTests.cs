using System.Diagnostics;
using RawScan.Lab;
using RawScan.Lab.Internal;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// UDP replies larger than any snap length RawScan used to keep (issue 10): on a 9000-byte MTU link a
/// 5,000-byte answer arrives whole and is captured whole (the snap length follows the MTU); on a
/// 1500-byte link it arrives in fragments and the first is judged on its bytes. Open either way,
/// never malformed. The responder is a few lines of Python bound to one lab address.
/// </summary>
[Collection(LabScans.Name)]
public class LabLargeReplyTests
{
    [LabFact]
    public void AFiveThousandByteReplyIsOpenOnAJumboLinkAndWhenFragmented()
    {
        string name = LabManagerTests.UniqueName();
        string payloads = Path.GetTempFileName(), responder = Path.GetTempFileName();
        Process? server = null;
        try
        {
            var lab = LabManager.Up(name, Cli.Command);
            File.WriteAllText(payloads, "udp 7777 \"hi\"\n");
            File.WriteAllText(responder, """
                import socket, sys
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind((sys.argv[1], int(sys.argv[2])))
                while True:
                    d, a = s.recvfrom(65536)
                    s.sendto(b"x" * int(sys.argv[3]), a)
                """);
            server = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", lab.TargetNamespace, "python3", responder, "198.18.77.7", "7777", "5000"]))!;
            Thread.Sleep(500);
            foreach (var (mtu, truncated) in new[] { (9000, 0), (1500, 1) })
            {
                Exec.Run("ip", "-n", lab.ScannerNamespace, "link", "set", lab.ScannerInterface, "mtu", mtu.ToString());
                Exec.Run("ip", "-n", lab.TargetNamespace, "link", "set", LabSpec.For(name).TargetInterface, "mtu", mtu.ToString());
                var r = Cli.Run(["scan", "--lab", name, "198.18.77.7", "-sU", "-p", "7777", "--udp-payloads", payloads, "--reason", "--wait", "0.5"]);
                Assert.True(r.ExitCode == 0, r.Stderr);
                Assert.Contains("7777/udp open", r.Stdout);
                Assert.Contains("udp-response", r.Stdout);
                Assert.Contains($"0 malformed, {truncated} truncated", r.Stderr);
            }
        }
        finally
        {
            if (server is { HasExited: false }) server.Kill(entireProcessTree: true);
            Exec.TryRun(null, ["pkill", "-f", responder]);
            LabManager.Down(name);
            File.Delete(payloads);
            File.Delete(responder);
        }
    }
}
