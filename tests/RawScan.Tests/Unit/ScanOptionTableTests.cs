using System.Text.RegularExpressions;
using RawScan.Cli;
using RawScan.Probes;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// The option table of `rawscan scan`: every option reaches the lab's inner run and a resume file
/// because the table says so, not because a case remembered to; every value option takes --name=value;
/// README's table lists the same options.
/// </summary>
public sealed class ScanOptionTableTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rawscan-options-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string FileWith(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static readonly string[] Base = ["198.18.0.1", "-p", "80", "--seed", "7"];

    /// <summary>
    /// For each option: a command line without it, and the value that, added to it, must change the
    /// parsed scan (so the round trips below are not comparing two defaults). A table option missing
    /// here fails <see cref="EveryOptionOfTheTableHasASample"/>.
    /// </summary>
    private Dictionary<string, (string[] Without, string? Value)> Samples() => new()
    {
        ["TARGETS"] = (Base, "198.18.0.2"),
        ["-p"] = (Base, "22"),
        ["-sS"] = ([.. Base, "-sU"], null),
        ["-sU"] = (Base, null),
        ["--udp-payloads"] = (Base, FileWith("user-payloads", "udp 9999 \"user\"\n")),
        ["--nmap-payloads"] = (Base, FileWith("nmap-payloads", "udp 9998 \"nmap\"\n")),
        ["--rate"] = (Base, "5"),
        ["--max-rate"] = ([.. Base, "--rate", "auto"], "5000"),
        ["--wait"] = (Base, "2"),
        ["--show"] = (Base, "closed"),
        ["--reason"] = (Base, null),
        ["--open-lines"] = (Base, null),
        ["--retries"] = (Base, "3"),
        ["--reset"] = (Base, null),
        ["--banners"] = (Base, null),
        ["--banner-bytes"] = ([.. Base, "--banners"], "100"),
        ["--banner-connections"] = ([.. Base, "--banners"], "16"),
        ["--banner-wait"] = ([.. Base, "--banners"], "0.5"),
        ["-oJ"] = (Base, "out.json"),
        ["-oC"] = (Base, "out.csv"),
        ["-oX"] = (Base, "out.xml"),
        ["-oG"] = (Base, "out.gnmap"),
        ["-oH"] = (Base, "out.html"),
        ["-oA"] = (Base, "all"),
        ["--top-ports"] = (["198.18.0.1", "--top-ports", "1", "--seed", "7"], "5"),
        ["--interface"] = (Base, "eth9"),
        ["--source-ip"] = (Base, "198.19.0.10"),
        ["--router-mac"] = (Base, "02:00:00:00:00:01"),
        ["--allow-default-route"] = (Base, null),
        ["-iL"] = (Base, FileWith("targets", "198.18.0.9\n")),
        ["--exclude"] = (["198.18.0.0/30", "-p", "80", "--seed", "7"], "198.18.0.1"),
        ["--excludefile"] = (["198.18.0.0/30", "-p", "80", "--seed", "7"], FileWith("excludes", "198.18.0.2\n")),
        ["--no-builtin-exclude"] = (["127.0.0.1,198.18.0.1", "-p", "80", "--seed", "7"], null),
        ["--seed"] = (Base, "8"),
        ["--shard"] = (Base, "1/2"),
        ["--source-port"] = (Base, "40000"),
        ["--send-path"] = (Base, "pcap"),
        ["--dry-run"] = (Base, null),
        ["--write-pcap"] = ([.. Base, "--dry-run"], "x.pcap"),
        ["--packet-trace"] = (Base, null),
        ["--status-json"] = (Base, null),
        ["--resume"] = ([], ResumeFileOf(Base)),
        ["--resume-file"] = (Base, "elsewhere.rawscan"),
        ["--lab"] = (Base, "edtable"),
        ["--debug"] = (Base, null),
    };

    private string ResumeFileOf(string[] args, ulong position = 0)
    {
        var p = ScanCommand.Parse(args);
        string path = Path.Combine(_dir, $"resume-{Guid.NewGuid():N}.rawscan");
        ResumeFiles.Write(path, p.SavedArgs, p.Options.Seed, position);
        return path;
    }

    /// <summary>Everything a parse decides but the start position (a resume's) and, unless asked, the lab (the inner run and a resume file leave it out by design).</summary>
    private static string Fingerprint(ScanCommand.Parsed p, bool lab = false)
    {
        var parts = new List<string>();
        foreach (var prop in typeof(ScanOptions).GetProperties().Where(x => x.Name is not (nameof(ScanOptions.StartPosition) or nameof(ScanOptions.Unsettled))).OrderBy(x => x.Name))
        {
            string text = prop.GetValue(p.Options) switch
            {
                null => "null",
                byte[] b => Convert.ToHexString(b),
                IUdpPayloads u => string.Join("/", new ushort[] { 9998, 9999 }.Select(port => Payload(u.For(port)))),
                var v => v.ToString() ?? "null",
            };
            parts.Add($"{prop.Name}={text}");
        }
        parts.Add("outputs=" + string.Join(";", p.Outputs.Select(o => $"{o.Format.Name}:{o.Path}")));
        parts.Add($"show={p.Show} trace={p.PacketTrace} json={p.StatusJson} resume={p.ResumePath} table={p.Table} debug={p.Debug}");
        if (lab) parts.Add($"lab={p.Lab}");
        return string.Join("\n", parts);
    }

    private static string Payload(IUdpProbe probe)
    {
        var b = new byte[UdpTemplate.MaxPayload];
        return Convert.ToHexString(b, 0, probe.Write(b, 0));
    }

    /// <summary>One spelling of each option in the table with its sample value.</summary>
    public static TheoryData<string> OptionNames() => [.. ScanOptionTable.All.Select(o => o.Name)];

    private static CliOption<ScanArgs> Option(string name) => ScanOptionTable.All.Single(o => o.Name == name);

    private static string[] With(CliOption<ScanArgs> o, string[] without, string? value) =>
        o.IsOperand ? [.. without, value!] : o.TakesValue ? [.. without, o.Names[0], value!] : [.. without, o.Names[0]];

    [Fact]
    public void EveryOptionOfTheTableHasASample()
    {
        var missing = ScanOptionTable.All.Select(o => o.Name).Except(Samples().Keys).ToList();
        Assert.True(missing.Count == 0, $"no sample for {string.Join(", ", missing)}: add one to Samples()");
        Assert.Empty(Samples().Keys.Except(ScanOptionTable.All.Select(o => o.Name)));
    }

    [Theory]
    [MemberData(nameof(OptionNames))]
    public void EveryOptionSurvivesTheLabAndAResume(string name)
    {
        var option = Option(name);
        var (without, value) = Samples()[name];
        var args = With(option, without, value);
        var p = ScanCommand.Parse(args);
        if (option == ScanOptionTable.Resume) Assert.Equal(0UL, p.Options.StartPosition);
        else Assert.NotEqual(Fingerprint(ScanCommand.Parse(without), lab: true), Fingerprint(p, lab: true));   // the sample does something

        // --lab: the inner run parses what it is given into the same scan.
        var inner = ScanCommand.Parse(p.InnerArgs);
        Assert.Equal(Fingerprint(p), Fingerprint(inner));
        Assert.Equal(option.ToLab ? p.Lab : null, inner.Lab);
        if (!option.ToLab) Assert.DoesNotContain(name, p.InnerArgs);

        // Resume: what a resume file keeps, loaded by --resume, is the same scan at the saved position.
        var resumed = ScanCommand.Parse(["--resume", ResumeFileOf(args, position: 0)]);
        Assert.Equal(Fingerprint(p), Fingerprint(resumed));
        Assert.Equal(0UL, resumed.Options.StartPosition);
        if (!option.Saved) Assert.DoesNotContain(name, p.SavedArgs);
    }

    /// <summary>Every spelling of an option (its aliases, --name=value, nmap's glued -p80) is the same option.</summary>
    [Theory]
    [MemberData(nameof(OptionNames))]
    public void EverySpellingOfAnOptionMeansTheSame(string name)
    {
        var option = Option(name);
        if (option.IsOperand) return;
        var (without, value) = Samples()[name];
        string expected = Fingerprint(ScanCommand.Parse(With(option, without, value)), lab: true);
        var spellings = new List<string[]>();
        foreach (var n in option.Names)
        {
            spellings.Add(value is null ? [n] : [n, value]);
            if (value is not null && n.StartsWith("--", StringComparison.Ordinal)) spellings.Add([$"{n}={value}"]);
            if (value is not null && option.Glued && !n.StartsWith("--", StringComparison.Ordinal)) spellings.Add([n + value]);
        }
        if (option.TakesValue && option.Names.Any(n => n.StartsWith("--", StringComparison.Ordinal)))
            Assert.Contains(spellings, s => s.Length == 1 && s[0].Contains('='));    // --x=v for every long option with a value
        foreach (var s in spellings)
            Assert.True(expected == Fingerprint(ScanCommand.Parse([.. without, .. s]), lab: true), $"'{string.Join(' ', s)}' differs from '{option.Names[0]}'");
    }

    [Theory]
    [MemberData(nameof(OptionNames))]
    public void AMissingValueOrAValueGivenToAFlagNamesTheOption(string name)
    {
        var option = Option(name);
        if (option.IsOperand) return;
        foreach (var n in option.Names)
        {
            if (option.TakesValue)
            {
                var e = Assert.Throws<BadInputException>(() => ScanCommand.Parse([.. Base, n]));
                Assert.Equal((n, "needs a value"), (e.Token, e.Reason));
            }
            else if (n.StartsWith("--", StringComparison.Ordinal))
            {
                var e = Assert.Throws<BadInputException>(() => ScanCommand.Parse([.. Base, n + "=yes"]));
                Assert.Equal((n, "takes no value"), (e.Token, e.Reason));
            }
        }
    }

    [Theory]
    [InlineData("--bogus", "--bogus")]
    [InlineData("--bogus=1", "--bogus")]
    [InlineData("-x", "-x")]
    [InlineData("--ports80", "--ports80")]
    public void AnUnknownOptionIsNamed(string arg, string token)
    {
        var e = Assert.Throws<BadInputException>(() => ScanCommand.Parse([.. Base, arg]));
        Assert.Equal(token, e.Token);
        Assert.Contains("unknown option", e.Message);
    }

    /// <summary>The whole program: one line naming the token, exit 2 (nothing is sent: parsing fails first).</summary>
    [Theory]
    [InlineData("--resume", "'--resume'")]
    [InlineData("--resume=/nonexistent/p.rawscan", "'/nonexistent/p.rawscan'")]
    [InlineData("--rate=", "''")]
    [InlineData("--dry-run=yes", "'--dry-run'")]
    public void BadOptionFormsAreOneLineAndExit2(string arg, string token)
    {
        var r = Cli.Run(["scan", .. Base, arg]);
        Assert.Equal(2, r.ExitCode);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(token, lines[0]);
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void AResumedScanTakesNewValuesAndPassesThemToTheLab()
    {
        string saved = ResumeFileOf([.. Base, "--rate", "100", "-oJ", "a.json"], position: 0);
        var p = ScanCommand.Parse(["--resume=" + saved, "--lab", "edtable", "--rate", "5"]);
        Assert.Equal(5, p.Options.Rate);
        Assert.Equal(7UL, p.Options.Seed);
        Assert.Equal(["--resume", saved, "--rate", "5"], p.InnerArgs);
        Assert.Equal(["--rate", "5"], p.SavedArgs[^2..]);                              // a second interruption keeps the new rate
        Assert.Contains("a.json", p.SavedArgs);
        Assert.Equal("edtable", p.Lab);
    }

    /// <summary>What --resume may change (how the rest is run) and what it may not (the scan's space and probes).</summary>
    [Fact]
    public void TheTableSaysWhichOptionsAResumeMayChange()
    {
        string[] fixedOnes = ["TARGETS", "-p", "-sS", "-sU", "--banners", "--udp-payloads", "--nmap-payloads", "--top-ports", "-iL", "--exclude",
            "--excludefile", "--no-builtin-exclude", "--seed", "--shard", "--source-port", "--resume"];
        Assert.Equal(fixedOnes.Order(), ScanOptionTable.All.Where(o => o.Resume == OnResume.Fixed).Select(o => o.Name).Order());
        foreach (var n in (string[])["--rate", "--wait", "-oJ", "-oA", "--interface", "--show", "--reason", "--lab"])
            Assert.Equal(OnResume.MayChange, Option(n).Resume);
    }

    [Fact]
    public void UsageListsEveryOptionOnce()
    {
        var lines = ScanCommand.Usage.Split('\n');
        foreach (var o in ScanOptionTable.All)
            Assert.Single(lines, l => l.StartsWith("  " + o.Synopsis + " ", StringComparison.Ordinal));
    }

    /// <summary>README's options table names the same options as the table (plus lab up's --real-services).</summary>
    [Fact]
    public void ReadmeListsTheOptionsOfTheTable()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "RawScan.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var readme = File.ReadAllText(Path.Combine(dir.FullName, "README.md"));
        int from = readme.IndexOf("| option | meaning |", StringComparison.Ordinal);
        Assert.True(from > 0, "README has no options table");
        var rows = readme[from..].Split('\n').Skip(2).TakeWhile(l => l.StartsWith('|'));
        var documented = new HashSet<string>();
        foreach (var row in rows)
        {
            string first = row.Split(" | ")[0];
            foreach (System.Text.RegularExpressions.Match m in Regex.Matches(first, "`([^`]+)`"))
            {
                string word = m.Groups[1].Value.Split(' ')[0];
                if (word.StartsWith('-') || word == "TARGETS") documented.Add(word);
            }
        }
        var declared = ScanOptionTable.All.SelectMany(o => o.IsOperand ? [o.Name] : o.Names).ToHashSet();
        Assert.Empty(declared.Except(documented));
        Assert.Empty(documented.Except(declared).Except(["--real-services"]));
    }
}
