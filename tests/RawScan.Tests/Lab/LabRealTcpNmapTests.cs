using System.Diagnostics;
using System.Globalization;
using System.Xml.Linq;
using RawScan.Lab;
using RawScan.Lab.Internal;
using RawScan.Targets;
using Xunit;
using Xunit.Abstractions;

namespace RawScan.Tests;

/// <summary>
/// nmap -sV from the scanner's namespace names the real host's TCP services as the truth does: the
/// reference RawScan's --banners is compared with. Its time is printed (measured: 47.5 s on the 20
/// ports, most of it spent on telnet, whose option negotiation nmap 7.93 has no rule for).
/// </summary>
[Collection(LabScans.Name)]
public class LabRealTcpNmapTests(ITestOutputHelper output)
{
    [LabFact]
    public void NmapVersionDetectionAgreesWithTheTruth()
    {
        string name = LabManagerTests.UniqueName();
        string dir = Directory.CreateTempSubdirectory("rawscan-realtcp-").FullName;
        try
        {
            var lab = LabManager.Up(name, Cli.Command, realServices: true);
            var truth = LabTruth.Load(lab.TruthPath).RealTcp.Where(t => t.Running).ToList();
            string xml = Path.Combine(dir, "nmap.xml");
            var clock = Stopwatch.StartNew();
            // Not Exec.TryRun: its 30 s limit is shorter than nmap -sV on telnet.
            var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "netns", "exec", lab.ScannerNamespace, "nmap", "-sV", "-Pn", "-n",
                "-p", string.Join(',', truth.Select(t => t.Port)), "-oX", xml, Ipv4.Format(lab.RealHost) }) psi.ArgumentList.Add(a);
            using var nmap = Process.Start(psi)!;
            var stderr = nmap.StandardError.ReadToEndAsync();
            _ = nmap.StandardOutput.ReadToEnd();
            Assert.True(nmap.WaitForExit(TimeSpan.FromMinutes(3)), "nmap -sV did not finish within 3 minutes");
            output.WriteLine($"nmap -sV on {truth.Count} ports: {clock.Elapsed.TotalSeconds:0.0} s");
            Assert.True(nmap.ExitCode == 0, $"nmap exited {nmap.ExitCode}: {stderr.Result}");

            var found = XDocument.Load(xml).Descendants("port").ToDictionary(
                p => ushort.Parse((string)p.Attribute("portid")!, CultureInfo.InvariantCulture),
                p => (State: (string)p.Element("state")!.Attribute("state")!, Service: p.Element("service")));
            var problems = new List<string>();
            foreach (var t in truth)
            {
                if (!found.TryGetValue(t.Port, out var f)) { problems.Add($"{t}: not in nmap's report"); continue; }
                string service = (string?)f.Service?.Attribute("name") ?? "";
                if ((string?)f.Service?.Attribute("tunnel") == "ssl" && service == "http") service = "https";
                string product = (string?)f.Service?.Attribute("product") ?? "", version = (string?)f.Service?.Attribute("version") ?? "";
                output.WriteLine($"{t.Port}/tcp {f.State} {service} {product} {version}  (truth: {t})");
                if (f.State != "open") problems.Add($"{t}: nmap says {f.State}");
                if (service != t.Service) problems.Add($"{t}: nmap says {service}");
                // nmap's names for the products: "Exim smtpd", "Dovecot pop3d", "Redis key-value store",
                // "MySQL" for MariaDB's 5.5.5-10.11... handshake; none for telnetd or rsync.
                string want = t.Product switch { "MariaDB" => "MySQL", "telnetd" or "rsync" => "", _ => t.Product };
                if (!product.Contains(want, StringComparison.OrdinalIgnoreCase)) problems.Add($"{t}: nmap's product is '{product}'");
            }
            Assert.True(problems.Count == 0, string.Join("\n", problems));
        }
        finally
        {
            LabManager.Down(name);
            Directory.Delete(dir, recursive: true);
        }
    }
}
