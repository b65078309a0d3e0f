using System.Text.RegularExpressions;
using RawScan.Output.Html;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// -oH of a --banners scan: a Banners section with every port's bytes, escaped (a banner is hostile
/// input: no markup, no script, no request may come of it, under the page's strict CSP), and a
/// Registry mismatches section; a scan without findings has neither.
/// </summary>
public sealed class FindingHtmlTests
{
    private static string Html(bool findings)
    {
        var ms = new MemoryStream();
        using (var w = new HtmlReportWriter(ms, new StubServiceRegistry(), leaveOpen: true))
        {
            w.Begin(Reports.Header with { Banners = findings });
            if (findings) Findings.Feed(w, Findings.Sample);
            else foreach (var r in Reports.Sample) w.OnResult(r);
            w.End(Reports.Summary());
        }
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    [Fact]
    public void BannersAreListedEscaped()
    {
        string html = Html(findings: true);
        Assert.Single(Regex.Matches(html, "<script", RegexOptions.IgnoreCase));               // the page's own, allowed by its hash
        Assert.DoesNotContain("alert(1)</script>", html);
        Assert.Contains("<code class=\"banner\">SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\\r\\n</code>", html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;\\r\\n&lt;/td&gt;\\\\x41 &amp;amp;\\x00\\t\\x1b[2J\\x7f\\x80\\xc3(\\xff\\xfe\\n", html);
        Assert.DoesNotContain('\0', html);
        Assert.DoesNotContain('\x1b', html);
        Assert.Contains("certificate: CN=lab.example,O=&quot;Lab, Inc.&quot; issued by CN=lab.example", html);
    }

    [Fact]
    public void RegistryMismatchesAreASectionBackdoorPortsFirst()
    {
        string html = Html(findings: true);
        var section = Regex.Match(html, "<section id=\"mismatches\">(.*?)</section>", RegexOptions.Singleline).Groups[1].Value;
        var rows = Regex.Matches(section, "<tr[ >].*?</tr>", RegexOptions.Singleline).Select(m => m.Value).Skip(1).ToList();  // the head row first
        Assert.Equal(2, rows.Count);
        Assert.Contains("12345/tcp", rows[0]);
        Assert.Contains("netbus <span class=\"badge backdoor\">backdoor port</span></td><td>ssh</td>", rows[0]);
        Assert.Contains("<td class=\"port\">8080/tcp</td><td>http-proxy</td><td>ssh</td><td>OpenSSH 9.2p1 Debian 2+deb12u10 (protocol 2.0)</td>", rows[1]);
        Assert.Contains("<a href=\"#mismatches\">", html);
    }

    [Fact]
    public void AScanWithoutFindingsHasNeitherSection()
    {
        string html = Html(findings: false);
        Assert.DoesNotContain("id=\"banners\"", html);
        Assert.DoesNotContain("id=\"mismatches\"", html);
        Assert.DoesNotContain("#banners", html);
    }
}
