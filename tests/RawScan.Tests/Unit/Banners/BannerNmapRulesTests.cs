using System.Diagnostics;
using RawScan.Banners;
using RawScan.Results;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// nmap-service-probes read at run time: the parser and the PCRE translation on lines written here,
/// the cost controls, and, when nmap is installed, the real file on banners the built-ins do not know.
/// </summary>
public sealed class BannerNmapRulesTests
{
    private static readonly string? RealFile = File.Exists(NmapServiceProbes.DefaultPath) ? NmapServiceProbes.DefaultPath : null;

    /// <summary>The real file's rules, loaded once for the tests that need them.</summary>
    private static readonly Lazy<ServiceIdentifier?> WithNmap = new(() =>
    {
        if (RealFile is null) return null;
        var id = new ServiceIdentifier(new StubServiceRegistry(), RealFile);
        id.WaitForNmapRules();
        return id;
    });

    private static NmapServiceProbes Parse(string text) => NmapServiceProbes.Parse(text.Split('\n'));

    [Fact]
    public void LinesAreParsedWithAnyDelimiterAndTemplatesAreFilled()
    {
        var rules = Parse("""
            match ignored m|^x| p/before any probe/
            Probe TCP NULL q||
            match ftp m=^220 Acme FTPd v(\d+)\.(\d+)=i p|Acme ftpd| v/$1.$2/ i/$P(3)/ cpe:/a:acme:ftpd:$1/a
            softmatch ftp m|^220 |
            match weird m|^W(....)| p/W/ v/$I(1,">")/ i/$P(1)/
            match subst m|^S(....)|s p/S/ v/$SUBST(1,".","_")/
            Probe UDP Other q|x|
            match udpsvc m|^220 | p/UDP/
            """);
        Assert.Equal(4, rules.Rules);
        Assert.Equal(["NULL"], rules.ProbeNames);
        var m = rules.Match("220 ACME FTPD V2.5 ready\r\n"u8, null)!;
        Assert.Equal(("ftp", "Acme ftpd", "2.5", false), (m.Service, m.Product, m.Version, m.Soft));
        Assert.Null(m.Info);                                                            // $P of a group that does not exist is empty
        var soft = rules.Match("220 Other\r\n"u8, null)!;
        Assert.Equal(("ftp", true, (string?)null), (soft.Service, soft.Soft, soft.Product));
        var w = rules.Match([(byte)'W', 0, 1, 1, 0], null)!;
        Assert.Equal(("65792", (string?)null), (w.Version, w.Info));                  // $P: nothing printable
        Assert.Equal("a_b_", rules.Match("Sa.b."u8, null)!.Version);
    }

    [Theory]
    [InlineData(@"^\x16\x03\0..\x02", "\x16\x03\0ab\x02", true)]
    [InlineData(@"^\0\0\09SFATAL", "\0\0\09SFATAL", true)]
    [InlineData(@"^a\x{41}b", "aAb", true)]
    [InlineData(@"^[[:digit:]]+\h[[:alpha:]]$", "12 z", true)]
    [InlineData(@"^\Q.*\E!", ".*!", true)]
    [InlineData(@"^(?P<v>\d)x(?P=v)", "1x1", true)]
    [InlineData(@"^a++b", "aab", true)]
    [InlineData(@"^[]x]y", "]y", true)]
    [InlineData(@"^[\d.]+-[\w ]*$", "1.2-a b", true)]
    public void PcreBecomesDotNet(string pcre, string input, bool matches)
    {
        var t = PcreTranslator.Translate(pcre)!;
        Assert.Equal(matches, System.Text.RegularExpressions.Regex.IsMatch(input, t.Pattern));
    }

    [Theory]
    [InlineData(@"^SSH-([\d.]+)-OpenSSH_(\S+)", "SSH-", "-OpenSSH_")]
    [InlineData(@"^HTTP/1\.[01] \d\d\d .*\r\nServer: nginx/([\d.]+)", "HTTP/1.", "\r\nServer: nginx/")]
    [InlineData(@"^a|b", "", "")]
    [InlineData(@"^ab?c", "a", "a")]
    [InlineData(@"-ERR operation not permitted\r\n", "", "-ERR operation not permitted\r\n")]
    public void LiteralsIndexTheRules(string pcre, string prefix, string required)
    {
        var (p, r) = PcreTranslator.Literals(pcre);
        Assert.Equal(System.Text.Encoding.Latin1.GetBytes(prefix), p);
        Assert.Equal(System.Text.Encoding.Latin1.GetBytes(required), r);
    }

    [Fact]
    public void UntranslatablePatternsAreSkippedAndCounted()
    {
        var rules = Parse("Probe TCP NULL q||\nmatch a m|^\\p{L}| p/x/\nmatch b m|^ok| p/ok/\nmatch c m|unterminated\n");
        Assert.Equal((1, 2), (rules.Rules, rules.Skipped));
    }

    [Fact]
    public void ACatastrophicPatternCannotOutlastTheBudget()
    {
        // (a+)+$ against a run of a's and a '!': exponential for a backtracking engine. The match timeout
        // and the banner's budget bound it; a rule that timed out runs without backtracking from then on.
        var rules = Parse("Probe TCP NULL q||\n" + string.Concat(Enumerable.Range(0, 20).Select(i => $"match evil{i} m|^(a+)+$|\n")) + "match good m|^a| p/good/\n");
        var banner = System.Text.Encoding.ASCII.GetBytes(new string('a', 40) + "!");
        var sw = Stopwatch.StartNew();
        var m = rules.Match(banner, null);
        sw.Stop();
        // Unbudgeted, 20 rules of 2^40 steps would run for hours; the budget is 50 ms. The bound leaves
        // room for a CI machine whose two cores are shared with the rest of the suite.
        Assert.True(sw.ElapsedMilliseconds < 2000, $"{sw.ElapsedMilliseconds} ms");
        Assert.Null(m);                                                                  // the budget ran out before "good"
        Assert.Equal(1, rules.BudgetExhausted);
        Assert.InRange(rules.TimedOut, 1, 3);
    }

    [Fact]
    public void TheRealFileParsesMostRules()
    {
        if (RealFile is null) return;                                                   // nmap not installed: run-scan.sh installs it
        var rules = WithNmap.Value!.NmapRules!;
        Assert.True(rules.Rules > 10_000, $"{rules.Rules} rules");
        Assert.True(rules.Skipped < rules.Rules / 50, $"{rules.Skipped} skipped of {rules.Rules}");
        Assert.Contains("GetRequest", rules.ProbeNames);
        Assert.Contains("TLSSessionReq", rules.ProbeNames);
        Assert.Contains("redis-server", rules.ProbeNames);
    }

    [Theory]
    [InlineData("220 mail.example.org Microsoft ESMTP MAIL Service, Version: 10.0.17763.1 ready at  Tue, 1 Jan 2030\r\n", null, "smtp", "Microsoft ESMTP", null)]
    [InlineData("* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE STARTTLS AUTH=PLAIN] Dovecot ready.\r\n", null, "imap", "Dovecot imapd", null)]
    [InlineData("RFB 003.008\n", null, "vnc", "VNC", null)]
    [InlineData("AMQP\x00\x00\x09\x01", "http", "amqp", "Advanced Message Queue Protocol", null)]
    public void NmapsRulesNameWhatTheBuiltInsDoNotKnow(string banner, string? hello, string service, string? product, string? version)
    {
        if (RealFile is null) return;
        var f = WithNmap.Value!.Identify(System.Text.Encoding.Latin1.GetBytes(banner), hello is null ? null : Hellos.ByName(hello), 4000);
        Assert.Equal(ServiceMethod.Probed, f.Method);
        Assert.Equal(service, f.Service);
        if (product is not null) Assert.Equal(product, f.Product);
        if (version is not null) Assert.Equal(version, f.Version);
    }

    [Fact]
    public void NmapsRulesAddTheVersionTheBuiltInsLacked()
    {
        if (RealFile is null) return;
        var vnc = WithNmap.Value!.Identify("RFB 003.008\n"u8, null, 5900);
        Assert.Equal(("nmap-service-probes", "protocol 3.8"), (vnc.Recogniser, vnc.Info));
    }

    [Fact]
    public void ACachedBannerAllocatesNothingWithNmapsRules()
    {
        if (RealFile is null) return;
        var id = WithNmap.Value!;
        var banner = "RFB 003.008\n"u8.ToArray();
        id.Identify(banner, null, 5900);
        Allocation.AssertNothing(() =>
        {
            long n = 0;
            for (int i = 0; i < 10_000; i++) n += id.Identify(banner, null, 5900).Banner.Length;
            return n;
        });
    }
}
