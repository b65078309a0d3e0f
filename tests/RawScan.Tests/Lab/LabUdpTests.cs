using System.Text;
using RawScan.Lab;
using RawScan.Lab.Internal;
using RawScan.Results;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// UDP in a real lab, from the scanner namespace: the responders answer from the address asked, closed
/// ports get the kernel's port unreachable, dropped pairs nothing. Queries go out through bash's
/// /dev/udp, a connected socket: it takes a reply only from the address and port it sent to, so a
/// reply from the wrong source is not even received.
/// </summary>
[Collection(LabScans.Name)]
public class LabUdpTests
{
    [LabFact]
    public void RespondersAnswerFromTheQueriedAddressAndTheRestMatchesTheTruth()
    {
        string name = LabManagerTests.UniqueName();
        try
        {
            var lab = LabManager.Up(name, Cli.Command);
            var truth = LabTruth.Load(lab.TruthPath);
            string ns = lab.ScannerNamespace;

            var dnsQuery = LabUdpDnsTests.Query("RaWsCaN.ExAmPlE", id: 0xBEEF);
            byte[] snmpQuery = LabUdpSnmpTests.GetRequest(requestId: [0x02, 0x04, 0x7A, 0x11, 0x05, 0x42],
                oids: [[0x06, 0x08, 0x2B, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00]]);
            var results = new Dictionary<string, (int Exit, byte[] Reply)>();
            var capture = LabCapture.OnScanner(lab, "udp or icmp", verbose: false, send: () =>
            {
                results["dns 198.18.7.9"] = Ask(ns, "198.18.7.9", 53, dnsQuery);
                results["dns 198.18.255.255"] = Ask(ns, "198.18.255.255", 53, dnsQuery);
                results["dns 198.18.3.7"] = Ask(ns, "198.18.3.7", 53, dnsQuery);                // the firewalled /24 lets 53 in
                results["snmp 198.18.7.9"] = Ask(ns, "198.18.7.9", 161, snmpQuery);
                results["snmp 198.18.0.127"] = Ask(ns, "198.18.0.127", 161, snmpQuery);
                results["closed 198.18.7.9:1000"] = Ask(ns, "198.18.7.9", 1000, [1, 2, 3]);
                results["dropped 198.18.0.200:161"] = Ask(ns, "198.18.0.200", 161, snmpQuery);
                results["dropped 198.18.7.9:500"] = Ask(ns, "198.18.7.9", 500, [1, 2, 3]);
                results["dropped 198.18.3.7:161"] = Ask(ns, "198.18.3.7", 161, snmpQuery);
            });

            foreach (var address in new[] { "198.18.7.9", "198.18.255.255", "198.18.3.7" })
            {
                var (exit, reply) = results[$"dns {address}"];
                Assert.True(exit == 0, $"no DNS reply from {address} (exit {exit})");
                Assert.Equal(new byte[] { 0xBE, 0xEF }, reply[..2]);
                Assert.Equal(0x85, reply[2]);
                Assert.Equal(dnsQuery[12..], reply[12..dnsQuery.Length]);                     // letter case preserved
                Assert.Equal(address.Split('.').Select(byte.Parse), reply[^4..]);             // A: the address asked
                Assert.Equal(PortState.Open, truth.Expected(Ip(address), Protocol.Udp, 53));
            }
            foreach (var address in new[] { "198.18.7.9", "198.18.0.127" })
            {
                var (exit, reply) = results[$"snmp {address}"];
                Assert.True(exit == 0, $"no SNMP reply from {address} (exit {exit})");
                Assert.Equal(0xA2, reply[13]);
                Assert.Equal(new byte[] { 0x02, 0x04, 0x7A, 0x11, 0x05, 0x42 }, reply[15..21]);
                Assert.EndsWith("RawScan lab", Encoding.ASCII.GetString(reply));
            }
            // Connected: the port unreachable comes back as ECONNREFUSED on the read.
            Assert.Equal(1, results["closed 198.18.7.9:1000"].Exit);
            Assert.Equal(PortState.Closed, truth.Expected(Ip("198.18.7.9"), Protocol.Udp, 1000));
            foreach (var key in new[] { "dropped 198.18.0.200:161", "dropped 198.18.7.9:500", "dropped 198.18.3.7:161" })
                Assert.True(results[key].Exit == 124, $"{key}: expected silence (timeout's 124), got exit {results[key].Exit}");
            Assert.Equal(PortState.OpenFiltered, truth.Expected(Ip("198.18.0.200"), Protocol.Udp, 161));
            Assert.Equal(PortState.OpenFiltered, truth.Expected(Ip("198.18.7.9"), Protocol.Udp, 500));

            // The independent witness: what crossed scan0. Every reply's source is the address asked.
            string Replies(string from) => string.Join("\n", capture.Where(l => l.Contains($"IP {from}.") || l.Contains($"IP {from} >")));
            Assert.Contains("198.18.7.9.53 > 198.19.0.2.", Replies("198.18.7.9"));
            Assert.Contains("198.18.255.255.53 > 198.19.0.2.", Replies("198.18.255.255"));
            Assert.Contains("198.18.3.7.53 > 198.19.0.2.", Replies("198.18.3.7"));
            Assert.Contains("198.18.7.9.161 > 198.19.0.2.", Replies("198.18.7.9"));
            Assert.Contains("198.18.0.127.161 > 198.19.0.2.", Replies("198.18.0.127"));
            Assert.Contains("ICMP 198.18.7.9 udp port 1000 unreachable", Replies("198.18.7.9"));
            Assert.DoesNotContain(capture, l => l.Contains(" > 198.19.0.2") && !l.Contains("IP 198.18."));   // nothing from 198.19.0.1
            Assert.Empty(Replies("198.18.0.200"));
            Assert.DoesNotContain(capture, l => l.Contains("198.18.7.9.500 >") || l.Contains("udp port 500"));
            Assert.DoesNotContain(capture, l => l.Contains("198.18.3.7.161 >") || l.Contains("198.18.3.7 udp port 161"));
        }
        finally
        {
            LabManager.Down(name);
        }
        Assert.DoesNotContain(LabSpec.For(name).TargetNamespace, Netns.List());
    }

    private static uint Ip(string s) => Ipv4.TryParse(s, out uint a) ? a : throw new ArgumentException(s);

    /// <summary>
    /// Sends <paramref name="payload"/> from a connected UDP socket in <paramref name="ns"/> and reads one
    /// datagram back. Exit 0 with the reply; 1 when the read is refused (ICMP port unreachable); 124 when
    /// nothing came within 2 s.
    /// </summary>
    private static (int Exit, byte[] Reply) Ask(string ns, string address, int port, byte[] payload)
    {
        string escaped = string.Concat(payload.Select(b => $"\\x{b:x2}"));
        var r = Exec.TryRun(null, ["ip", "netns", "exec", ns, "timeout", "2", "bash", "-c",
            $"set -o pipefail; exec 3<>/dev/udp/{address}/{port}; printf '%b' \"$1\" >&3; dd bs=65536 count=1 <&3 2>/dev/null | od -An -tx1 -v",
            "ask", escaped]);
        var bytes = r.StdOut.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(h => Convert.ToByte(h, 16)).ToArray();
        return (r.ExitCode, bytes);
    }
}
