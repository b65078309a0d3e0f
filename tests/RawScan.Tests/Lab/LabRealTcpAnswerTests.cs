using RawScan.Lab;
using RawScan.Lab.Internal;
using RawScan.Targets;
using Xunit;
using Xunit.Abstractions;

namespace RawScan.Tests;

/// <summary>
/// The real-services host's TCP daemons answer from the scanner's namespace, each with what its
/// truth says: the greeting or the answer to a client's first words names the product (and the
/// version, where the truth has one). Clients: socat, curl and openssl, none of them ours.
/// </summary>
[Collection(LabScans.Name)]
public class LabRealTcpAnswerTests(ITestOutputHelper output)
{
    [LabFact]
    public void EveryRealTcpServiceAnswersWithItsProduct()
    {
        string name = LabManagerTests.UniqueName();
        try
        {
            var lab = LabManager.Up(name, Cli.Command, realServices: true);
            var truth = LabTruth.Load(lab.TruthPath);
            Assert.Equal(LabSpec.For(name).RealTcpServices.Select(s => s.Port), truth.RealTcp.Select(t => t.Port));
            string host = Ipv4.Format(lab.RealHost);
            var problems = new List<string>();
            foreach (var t in truth.RealTcp)
            {
                if (!t.Running)
                {
                    output.WriteLine($"{t}: skipped at lab up ({string.Join("; ", LabManager.RealSkipped(name))})");
                    continue;
                }
                string answer = Answer(lab.ScannerNamespace, host, t);
                output.WriteLine($"{t.Port}: {Exec.OneLine(answer)}");
                string expect = Expected(t);
                if (!answer.Contains(expect, StringComparison.Ordinal)) problems.Add($"{t}: expected '{expect}' in: {Exec.OneLine(answer)}");
                if (t.Tls && !answer.Contains("CN = rawscan-lab", StringComparison.Ordinal) && !answer.Contains("CN=rawscan-lab", StringComparison.Ordinal))
                    problems.Add($"{t}: the certificate is not CN=rawscan-lab: {Exec.OneLine(answer)}");
            }
            Assert.True(problems.Count == 0, string.Join("\n", problems));
        }
        finally
        {
            LabManager.Down(name);
        }
    }

    /// <summary>What the service's answer must hold: its product as it writes it, with the truth's version where there is one.</summary>
    private static string Expected(RealTcpTruth t) => t.Service switch
    {
        "ssh" => $"SSH-2.0-OpenSSH_{t.Version}",
        "ftp" => $"(vsFTPd {t.Version})",
        "smtp" => $"ESMTP Exim {t.Version}",
        "http" or "https" => $"Server: nginx/{t.Version}",
        "pop3" => "+OK Dovecot",
        "imap" => "* OK [CAPABILITY",
        "rsync" => "@RSYNCD: ",
        "mysql" => $"{t.Version}-MariaDB",
        "postgresql" => "N",   // the answer to an SSLRequest: no TLS here
        "redis" => $"redis_version:{t.Version}",
        "memcached" => $"VERSION {t.Version}",
        "telnet" => "ff fb",   // IAC WILL: option negotiation first (in od's hex)
        _ => throw new InvalidOperationException($"no expectation for {t.Service}"),
    };

    private static string Answer(string ns, string host, RealTcpTruth t)
    {
        string port = t.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] argv = t.Service switch
        {
            "http" => ["curl", "-sS", "-m", "5", "-D", "-", "-o", "/dev/null", $"http://{host}:{port}/"],
            "https" => ["sh", "-c", $"curl -sSk -m 5 -D - -o /dev/null https://{host}:{port}/; openssl s_client -connect {host}:{port} </dev/null 2>/dev/null | grep -E '^(subject|issuer)='"],
            "redis" => ["sh", "-c", $"printf 'INFO server\\r\\nQUIT\\r\\n' | socat -T 3 - TCP:{host}:{port}"],
            "memcached" => ["sh", "-c", $"printf 'version\\r\\nquit\\r\\n' | socat -T 3 - TCP:{host}:{port}"],
            "postgresql" => ["sh", "-c", $"printf '\\000\\000\\000\\010\\004\\322\\026\\057' | socat -T 3 - TCP:{host}:{port}"],
            "smtp" or "pop3" => ["sh", "-c", $"printf 'QUIT\\r\\n' | socat -T 3 - TCP:{host}:{port}"],
            "imap" => ["sh", "-c", $"printf 'a LOGOUT\\r\\n' | socat -T 3 - TCP:{host}:{port}"],
            "telnet" => ["sh", "-c", $"sleep 1 | socat -T 3 - TCP:{host}:{port} | od -An -tx1"],
            _ => ["sh", "-c", $"sleep 1 | socat -T 3 - TCP:{host}:{port}"],
        };
        var r = Exec.TryRun(null, ["ip", "netns", "exec", ns, .. argv]);
        return r.StdOut + r.StdErr;
    }
}
