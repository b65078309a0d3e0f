using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using RegexMatch = System.Text.RegularExpressions.Match;

namespace RawScan.Banners;

/// <summary>
/// nmap's service rules, read at run time from nmap-service-probes when nmap is installed (never
/// shipped with RawScan: nmap's licence). Only TCP probes and their match/softmatch lines are kept.
/// Cost control: no pattern is compiled when the file is read (11,700 of them); each probe's rules are
/// indexed by the first byte they must start with, a rule is tried only when the banner starts with
/// its literal prefix and contains its longest literal, it is compiled on its first try and kept
/// (backtracking, with a 20 ms timeout; a rule that times out runs without backtracking from then on
/// where its pattern allows, else is dropped), and one banner gets
/// <see cref="Budget"/> in all, after which the rules left are skipped.
/// </summary>
public sealed class NmapServiceProbes
{
    public const string DefaultPath = "/usr/share/nmap/nmap-service-probes";

    /// <summary>Time one banner may spend in the rules, compiling included.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromMilliseconds(50);

    private readonly Dictionary<string, NmapProbe> _probes;

    /// <summary>match and softmatch lines kept, and those skipped because .NET has no form for their pattern or the line is malformed.</summary>
    public int Rules { get; }
    public int Skipped { get; }

    /// <summary>Banners whose budget ran out before every candidate rule was tried.</summary>
    public long BudgetExhausted { get; private set; }

    private NmapServiceProbes(Dictionary<string, NmapProbe> probes, int rules, int skipped)
    {
        _probes = probes;
        Rules = rules;
        Skipped = skipped;
    }

    public IReadOnlyCollection<string> ProbeNames => _probes.Keys;

    /// <summary>Rules compiled so far, and those .NET refused when compiled (for the measurements and tests).</summary>
    public int Compiled { get; private set; }
    public int Refused { get; private set; }
    public int TimedOut { get; private set; }

    /// <summary>Reads the file (Latin-1: the patterns are bytes).</summary>
    /// <exception cref="IOException">It cannot be read.</exception>
    public static NmapServiceProbes Load(string path)
    {
        var rules = Parse(File.ReadLines(path, Encoding.Latin1));
        WarmUp();
        return rules;
    }

    /// <summary>
    /// Runs both regex engines once on the loading thread, so the first banner's budget is not spent
    /// compiling the engines themselves (measured: the first NonBacktracking pattern of a process takes
    /// ~100 ms of JIT; later ones well under a millisecond).
    /// </summary>
    private static void WarmUp()
    {
        const string text = "SSH-2.0-OpenSSH_9.2p1 Debian\r\n";
        new Regex(@"^SSH-([\d.]+)-OpenSSH_([\w._-]+)(?: (.*))?\r?\n?", RegexOptions.CultureInvariant | RegexOptions.Singleline | RegexOptions.NonBacktracking).Match(text);
        new Regex(@"^SSH-([\d.]+)-(?=O)OpenSSH_([\w._-]+)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, NmapRule.MatchTimeout).Match(text);
    }

    public static NmapServiceProbes Parse(IEnumerable<string> lines)
    {
        var probes = new Dictionary<string, NmapProbe>(StringComparer.Ordinal);
        NmapProbe? current = null;
        int n = 0, rules = 0, skipped = 0;
        foreach (var raw in lines)
        {
            n++;
            string line = raw.TrimEnd();
            if (line.StartsWith("Probe ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ', 4);
                current = parts.Length >= 3 && parts[1] == "TCP" ? new NmapProbe(parts[2]) : null;
                if (current is not null) probes.TryAdd(current.Name, current);
                continue;
            }
            if (current is null) continue;
            if (line.StartsWith("fallback ", StringComparison.Ordinal))
            {
                current.Fallbacks.AddRange(line[9..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                continue;
            }
            bool soft = line.StartsWith("softmatch ", StringComparison.Ordinal);
            if (!soft && !line.StartsWith("match ", StringComparison.Ordinal)) continue;
            var rule = ParseRule(line, soft, n);
            if (rule is null) { skipped++; continue; }
            current.Rules.Add(rule);
            rules++;
        }
        foreach (var p in probes.Values) p.Index();
        return new NmapServiceProbes(probes, rules, skipped);
    }

    /// <summary>match SERVICE m&lt;d&gt;PATTERN&lt;d&gt;[flags] [p/../ v/../ i/../ h/../ o/../ d/../ cpe:/../]: the rule, or null when malformed or untranslatable.</summary>
    internal static NmapRule? ParseRule(string line, bool soft, int lineNumber)
    {
        int i = soft ? 10 : 6;
        int space = line.IndexOf(' ', i);
        if (space < 0) return null;
        string service = line[i..space];
        i = space + 1;
        if (i + 2 >= line.Length || line[i] != 'm') return null;
        char d = line[i + 1];
        int end = line.IndexOf(d, i + 2);
        if (end < 0) return null;
        string pcre = line[(i + 2)..end];
        i = end + 1;
        var options = RegexOptions.CultureInvariant;
        while (i < line.Length && line[i] != ' ')
        {
            if (line[i] == 'i') options |= RegexOptions.IgnoreCase;
            else if (line[i] == 's') options |= RegexOptions.Singleline;
            i++;
        }
        var fields = new Dictionary<char, string>();
        while (i < line.Length)
        {
            while (i < line.Length && line[i] == ' ') i++;
            if (i >= line.Length) break;
            bool cpe = string.CompareOrdinal(line, i, "cpe:", 0, 4) == 0;
            char key = line[i];
            int open = cpe ? i + 4 : i + 1;
            if (open >= line.Length) return null;
            char fd = line[open];
            int close = line.IndexOf(fd, open + 1);
            if (close < 0) return null;
            if (!cpe) fields.TryAdd(key, line[(open + 1)..close]);
            i = close + 1;
            while (i < line.Length && line[i] != ' ') i++;                   // cpe's trailing a
        }
        var t = PcreTranslator.Translate(pcre);
        if (t is null) return null;
        bool ic = (options & RegexOptions.IgnoreCase) != 0;
        return new NmapRule
        {
            Service = service, Soft = soft, Pattern = t.Pattern, Options = options, Linear = t.NonBacktracking,
            Prefix = ic ? NmapRule.Lower(t.Prefix) : t.Prefix, Required = ic ? NmapRule.Lower(t.Required) : t.Required,
            Product = fields.GetValueOrDefault('p'), Version = fields.GetValueOrDefault('v'), Info = fields.GetValueOrDefault('i'),
            Hostname = fields.GetValueOrDefault('h'), OperatingSystem = fields.GetValueOrDefault('o'), Device = fields.GetValueOrDefault('d'),
            Line = lineNumber,
        };
    }

    /// <summary>
    /// The first rule that matches <paramref name="banner"/>: the rules of <paramref name="probe"/>
    /// (the hello's; null for the NULL probe alone), then its fallbacks', then the NULL probe's, hard
    /// matches before softmatches, as nmap reads them; null when none matched within <see cref="Budget"/>.
    /// </summary>
    public NmapMatch? Match(ReadOnlySpan<byte> banner, string? probe) => Match(banner, probe, Budget);

    internal NmapMatch? Match(ReadOnlySpan<byte> banner, string? probe, TimeSpan budget)
    {
        if (banner.IsEmpty) return null;
        long deadline = Stopwatch.GetTimestamp() + (long)(budget.TotalSeconds * Stopwatch.Frequency);
        Span<byte> lower = banner.Length <= 4096 ? stackalloc byte[banner.Length] : new byte[banner.Length];
        for (int k = 0; k < banner.Length; k++) { byte b = banner[k]; lower[k] = b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b; }
        string? text = null;
        NmapMatch? soft = null;
        foreach (var p in Order(probe))
        {
            foreach (int r in p.Candidates(banner))
            {
                var rule = p.Rules[r];
                if (rule.Soft && soft is not null) continue;
                if (!rule.MayMatch(banner, lower)) continue;
                if (Stopwatch.GetTimestamp() > deadline) { BudgetExhausted++; return soft; }
                bool fresh = !rule.IsCompiled;
                var regex = rule.Compiled();
                if (fresh) { if (regex is null) Refused++; else Compiled++; }
                if (regex is null) continue;
                text ??= Encoding.Latin1.GetString(banner);
                RegexMatch m;
                try { m = regex.Match(text); }
                catch (RegexMatchTimeoutException) { rule.Demote(); TimedOut++; continue; }
                if (!m.Success) continue;
                var found = new NmapMatch(rule.Service, NmapTemplate.Fill(rule.Product, m), NmapTemplate.Fill(rule.Version, m), NmapTemplate.Fill(rule.Info, m),
                    NmapTemplate.Fill(rule.Hostname, m), NmapTemplate.Fill(rule.OperatingSystem, m), NmapTemplate.Fill(rule.Device, m), rule.Soft, p.Name, rule.Line);
                if (!rule.Soft) return found;
                soft = found;
            }
        }
        return soft;
    }

    private IEnumerable<NmapProbe> Order(string? probe)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (probe is not null && _probes.TryGetValue(probe, out var first))
        {
            if (seen.Add(first.Name)) yield return first;
            foreach (var f in first.Fallbacks)
                if (f != "NULL" && _probes.TryGetValue(f, out var fb) && seen.Add(fb.Name)) yield return fb;
        }
        if (_probes.TryGetValue("NULL", out var nul) && seen.Add("NULL")) yield return nul;
    }
}
