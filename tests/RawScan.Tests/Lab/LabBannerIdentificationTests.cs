using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using RawScan.Banners;
using RawScan.Lab;
using RawScan.Lab.Internal;
using RawScan.Registry;
using RawScan.Results;
using RawScan.Targets;
using Xunit;
using Xunit.Abstractions;

namespace RawScan.Tests;

/// <summary>
/// --banners against the real-services host's Debian daemons (standard, redirected and trojan ports),
/// beside nmap -sV on the same ports in the same run: RawScan names every service the truth names, with
/// the product and version where the daemon's answer gives them, agrees with nmap, marks the ports whose
/// registry guess was wrong, leaves nothing open on the target, and takes less time than nmap.
/// </summary>
[Collection(LabScans.Name)]
public class LabBannerIdentificationTests(ITestOutputHelper output)
{
    [LabFact]
    public void BannersNameTheRealServicesAsTheTruthAndNmapDo()
    {
        string name = LabManagerTests.UniqueName();
        string dir = Directory.CreateTempSubdirectory("rawscan-banners-").FullName;
        try
        {
            var lab = LabManager.Up(name, Cli.Command, realServices: true);
            var truth = LabTruth.Load(lab.TruthPath).RealTcp.Where(t => t.Running).ToList();
            Assert.True(truth.Count >= 18, $"only {truth.Count} real TCP services run");
            string ports = string.Join(',', truth.Select(t => t.Port)), host = Ipv4.Format(lab.RealHost);

            // nmap -sV and RawScan in the same run: nmap starts first and takes far longer. nmap's SYN scan
            // leaves from port 40000 (-g): its own random port could fall in the lab's dropped 61000-65535,
            // where the scanner's kernel never sees the SYN-ACKs to reset them, and its half-open
            // connections would look like ours to the check at the end.
            string nmapXml = Path.Combine(dir, "nmap.xml");
            var nmap = Start("ip", "netns", "exec", lab.ScannerNamespace, "nmap", "-sV", "-Pn", "-n", "-g", "40000", "-p", ports, "-oX", nmapXml, host);
            var nmapClock = Stopwatch.StartNew();
            string json = Path.Combine(dir, "r.json"), xml = Path.Combine(dir, "r.xml");
            var clock = Stopwatch.StartNew();
            var r = Cli.Run(["scan", "--lab", name, host, "-p", ports, "--banners", "-oJ", json, "-oX", xml, "--show", "open"]);
            var took = clock.Elapsed;
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.True(nmap.WaitForExit(TimeSpan.FromMinutes(3)), "nmap -sV did not finish within 3 minutes");
            var nmapTook = nmapClock.Elapsed;
            output.WriteLine($"rawscan --banners: {took.TotalSeconds:0.00} s; nmap -sV: {nmapTook.TotalSeconds:0.0} s");
            output.WriteLine(r.Stdout);

            var ours = File.ReadAllLines(json).Select(l => JsonDocument.Parse(l).RootElement)
                .ToDictionary(e => e.GetProperty("port").GetUInt16(), e => e);
            var theirs = XDocument.Load(nmapXml).Descendants("port").ToDictionary(
                p => ushort.Parse((string)p.Attribute("portid")!, CultureInfo.InvariantCulture), p => p.Element("service"));
            string? S(JsonElement e, string field) => e.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

            var problems = new List<string>();
            int agree = 0;
            foreach (var t in truth)
            {
                if (!ours.TryGetValue(t.Port, out var e)) { problems.Add($"{t.Port}: not reported"); continue; }
                string? service = S(e, "detected_service"), product = S(e, "product"), version = S(e, "version");
                output.WriteLine($"{t.Port}/tcp {service} {product} {version} [{S(e, "method")}]  truth: {t.Service} {t.Product} {t.Version}");
                if (service != t.Service) problems.Add($"{t.Port}: detected {service ?? "nothing"}, the truth runs {t.Service}");
                if (S(e, "method") != "probed") problems.Add($"{t.Port}: method {S(e, "method")}");
                // telnetd and rsyncd name no product in what they send (nor does nmap find one).
                if (t.Product is not ("telnetd" or "rsync") && !(product ?? "").Contains(t.Product, StringComparison.OrdinalIgnoreCase))
                    problems.Add($"{t.Port}: product '{product}', the truth runs {t.Product}");
                if (t.Version is not null && version != t.Version) problems.Add($"{t.Port}: version '{version}', the truth runs {t.Version}");
                if (string.IsNullOrEmpty(S(e, "banner"))) problems.Add($"{t.Port}: no banner");
                // nmap on the same port, in the same run
                var n = theirs.GetValueOrDefault(t.Port);
                string nmapService = (string?)n?.Attribute("name") ?? "";
                if ((string?)n?.Attribute("tunnel") == "ssl" && nmapService == "http") nmapService = "https";
                if (nmapService == service) agree++;
                else output.WriteLine($"  nmap -sV says {nmapService} {(string?)n?.Attribute("product")}");
                // nmap is the reference here, so it must name the truth's product as well: its names are
                // "Exim smtpd", "Dovecot pop3d", "Redis key-value store", "MySQL" for MariaDB's 5.5.5-10.11...
                // handshake, and none for telnetd or rsync.
                string nmapProduct = (string?)n?.Attribute("product") ?? "";
                string nmapWant = t.Product switch { "MariaDB" => "MySQL", "telnetd" or "rsync" => "", _ => t.Product };
                if (!nmapProduct.Contains(nmapWant, StringComparison.OrdinalIgnoreCase)) problems.Add($"{t.Port}: nmap -sV's product is '{nmapProduct}', the truth runs {t.Product}");
                // A redirected or trojan port whose registry guess is wrong is marked in the table.
                var guess = ServiceRegistry.Default.Lookup(Protocol.Tcp, t.Port);
                string line = r.Stdout.Split('\n').FirstOrDefault(l => l.StartsWith($"{t.Port}/tcp ", StringComparison.Ordinal)) ?? "";
                if (ServiceNames.DiffersFromRegistry(t.Service, guess) != line.Contains("registry:", StringComparison.Ordinal))
                    problems.Add($"{t.Port}: registry guess {guess.Name}, detected {t.Service}, but the table line is '{line.Trim()}'");
            }
            output.WriteLine($"RawScan and nmap -sV agree on {agree} of {truth.Count} services");
            Assert.True(problems.Count == 0, string.Join("\n", problems));
            Assert.Equal(truth.Count, agree);
            Assert.True(took < nmapTook, $"rawscan took {took.TotalSeconds:0.0} s, nmap -sV {nmapTook.TotalSeconds:0.0} s");
            // The XML nmap -sV's way: method="probed" conf="10" on every port, valid against nmap.dtd.
            Assert.All(XDocument.Load(xml).Descendants("service"), s => Assert.Equal("probed", (string?)s.Attribute("method")));
            // Nothing left on the real host: no connection from the scanner in any state.
            Thread.Sleep(300);
            string ss = Exec.Run("ip", "netns", "exec", lab.RealNamespace!, "ss", "-tanH", "state", "all", "( dport >= :61000 )");
            Assert.True(string.IsNullOrWhiteSpace(ss), $"left on the real host:\n{ss}");
        }
        finally
        {
            LabManager.Down(name);
            Directory.Delete(dir, recursive: true);
        }
    }

    private static Process Start(params string[] argv)
    {
        var psi = new ProcessStartInfo(argv[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in argv[1..]) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        _ = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        return p;
    }
}
