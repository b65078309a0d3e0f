using RawScan.Lab;
using RawScan.Lab.Internal;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// The target's own responders greet on 22 and 80 of every live address (IPv4 and IPv6), from the
/// scanner's namespace with socat and curl: the SSH identification line, and an HTTP answer from
/// rawscan-lab/1.0. Every other open port still accepts and closes without a word.
/// </summary>
[Collection(LabScans.Name)]
public class LabBannerResponderTests
{
    [LabFact]
    public void TwentyTwoSaysSshAndEightyAnswersHttpEverywhere()
    {
        string name = LabManagerTests.UniqueName();
        try
        {
            var lab = LabManager.Up(name, Cli.Command);
            string Run(params string[] argv) => Exec.TryRun(null, ["ip", "netns", "exec", lab.ScannerNamespace, .. argv]).StdOut;
            foreach (var address in new[] { "198.18.0.1", "198.18.7.9", "198.18.255.254" })
                Assert.Equal(LabSpec.SshIdentification + "\r\n", Run("socat", "-T", "3", "-", $"TCP:{address}:22"));
            Assert.Equal(LabSpec.SshIdentification + "\r\n", Run("socat", "-T", "3", "-", "TCP6:[2001:db8:1::105]:22"));
            // 198.18.3.0/24 is the firewalled subnet: only 80 gets through, and it answers.
            foreach (var url in new[] { "http://198.18.0.5/", "http://198.18.3.5/x?y", "http://[2001:db8:1::5]/" })
            {
                string answer = Run("curl", "-sS", "-m", "5", "-i", url);
                Assert.StartsWith("HTTP/1.1 200 OK\r\n", answer);
                Assert.Contains($"\r\nServer: {LabSpec.HttpServer}\r\n", answer);
                Assert.Contains("\r\nConnection: close\r\n", answer);
                Assert.EndsWith($"\r\nContent-Length: {LabSpec.HttpBody.Length}\r\nConnection: close\r\n\r\n{LabSpec.HttpBody}",
                    answer.Replace("Content-Type: text/plain\r\n", "", StringComparison.Ordinal));
            }
            // A client that says nothing still gets the answer, within the hold time.
            Assert.StartsWith("HTTP/1.1 200 OK", Run("sh", "-c", "sleep 2 | socat -T 3 - TCP:198.18.0.6:80"));
            // The other open ports: accepted, then closed without a byte.
            Assert.Equal("", Run("socat", "-T", "3", "-", "TCP:198.18.0.5:25"));
            Assert.Equal("", Run("socat", "-T", "3", "-", "TCP:198.18.0.5:8080"));
        }
        finally
        {
            LabManager.Down(name);
        }
    }
}
