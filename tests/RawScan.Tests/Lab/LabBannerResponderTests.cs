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
    /// <summary>
    /// Connects to 22 and 80 of each address given, reads to the end and prints what came and how
    /// it ended ("eof" for a FIN; "reset" had the RST come before the reader saw the FIN) and when.
    /// </summary>
    private const string Ends = """
        import socket, sys, time
        def read_all(s):
            data = b""
            try:
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        return data, "eof"
                    data += chunk
            except ConnectionResetError:
                return data, "reset"
        for address in sys.argv[1:]:
            for case in ("quiet", "talks"):
                s = socket.create_connection((address, 22), timeout=3)
                t0 = time.monotonic()
                if case == "talks":
                    s.sendall(b"SSH-2.0-client\r\n")
                data, end = read_all(s)
                shown = data.decode().replace("\r", "\\r").replace("\n", "\\n")
                at_once = "at once" if time.monotonic() - t0 < 0.5 else "late"
                print(f"ssh {case} {address}: {shown} then {end}, {at_once}")
                s.close()
            s = socket.create_connection((address, 80), timeout=3)
            t0 = time.monotonic()
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r")
            time.sleep(0.3)
            s.sendall(b"\n")
            data, end = read_all(s)
            early = "early" if time.monotonic() - t0 < 0.9 else "held"
            status = data.split(b"\r\n")[0].decode()
            print(f"http split {address}: {status} then {end}, {early}")
            s.close()
        """;

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
            // How each greeting ends, seen by a client that reads to the end: the whole greeting, then
            // a FIN (not a reset), SSH's at once, also when the client speaks first (its line is
            // dropped, and the reset it earns comes after the greeting's FIN); a request cut inside its
            // "\r\n\r\n" is answered as soon as the rest comes, not after the hold.
            string ends = Run("python3", "-c", Ends, "198.18.9.9", "2001:db8:1::105");
            Assert.Equal("""
                ssh quiet 198.18.9.9: SSH-2.0-RawScanLab_1.0\r\n then eof, at once
                ssh talks 198.18.9.9: SSH-2.0-RawScanLab_1.0\r\n then eof, at once
                http split 198.18.9.9: HTTP/1.1 200 OK then eof, early
                ssh quiet 2001:db8:1::105: SSH-2.0-RawScanLab_1.0\r\n then eof, at once
                ssh talks 2001:db8:1::105: SSH-2.0-RawScanLab_1.0\r\n then eof, at once
                http split 2001:db8:1::105: HTTP/1.1 200 OK then eof, early

                """.ReplaceLineEndings("\n"), ends);
        }
        finally
        {
            LabManager.Down(name);
        }
    }
}
