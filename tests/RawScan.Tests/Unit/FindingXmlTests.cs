using RawScan.Lab.Internal;
using RawScan.Output;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// -oX of a --banners scan as nmap -sV writes it: &lt;service name product version extrainfo tunnel
/// method conf&gt; and the banner as nmap's banner script, valid against nmap.dtd with hostile bytes,
/// and read by ndiff, which reports a changed version as it does nmap's.
/// </summary>
public sealed class FindingXmlTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("rawscan-findings-xml-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string PathFor(string name) => Path.Combine(_dir.FullName, name);

    [Fact]
    public void ServicesAndBannersAreNmapsAndValidAgainstItsDtd()
    {
        var path = Findings.Write(PathFor("scan.xml"), "xml");
        Reports.AssertValidNmapXml(path);
        string xml = File.ReadAllText(path);
        Assert.Contains("<service name=\"ssh\" product=\"OpenSSH\" version=\"9.2p1 Debian 2+deb12u10\" extrainfo=\"protocol 2.0\" method=\"probed\" conf=\"10\" />", xml);
        Assert.Contains("<service name=\"http\" product=\"nginx\" version=\"1.22.1\" tunnel=\"ssl\" method=\"probed\" conf=\"10\" />", xml);
        Assert.Contains("<script id=\"banner\" output=\"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\\r\\n\" />", xml);
        Assert.Contains("<service name=\"netbus\" method=\"table\" conf=\"3\" />", xml);
        Assert.DoesNotContain("<script>", xml);                                   // the hostile banner's markup is text
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", xml);
    }

    [Fact]
    public void NdiffReportsAChangedVersion()
    {
        var before = Findings.Write(PathFor("before.xml"), "xml");
        var changed = Findings.Sample.Select(x => x.Result.Port == 22 && x.Finding is { } f ? (x.Result, f with { Version = "9.3p1" }) : x);
        var after = Findings.Write(PathFor("after.xml"), "xml", changed);
        var r = Exec.TryRun(null, ["ndiff", before, after]);
        Assert.True(r.ExitCode == 1, $"ndiff exit {r.ExitCode}: {r.StdErr}");
        Assert.Equal("", r.StdErr);
        Assert.Contains("-22/tcp open  ssh     OpenSSH 9.2p1 Debian 2+deb12u10 (protocol 2.0)", r.StdOut);
        Assert.Contains("+22/tcp open  ssh     OpenSSH 9.3p1 (protocol 2.0)", r.StdOut);
    }
}
