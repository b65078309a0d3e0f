using System.Text.RegularExpressions;

namespace RawScan.Banners;

/// <summary>
/// One match or softmatch line of nmap-service-probes: the service, the pattern (translated, compiled
/// on first use and kept), and the templates of its version fields. The literal prefix and required
/// text decide, without the regex, most banners it cannot match.
/// </summary>
internal sealed class NmapRule
{
    /// <summary>A backtracking pattern may run this long on one banner (the whole banner's budget is <see cref="NmapServiceProbes.Budget"/>).</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(20);

    public required string Service { get; init; }
    public required bool Soft { get; init; }
    public required string Pattern { get; init; }
    public required RegexOptions Options { get; init; }
    public required bool Linear { get; init; }
    public required byte[] Prefix { get; init; }
    public required byte[] Required { get; init; }
    public string? Product { get; init; }
    public string? Version { get; init; }
    public string? Info { get; init; }
    public string? Hostname { get; init; }
    public string? OperatingSystem { get; init; }
    public string? Device { get; init; }
    public int Line { get; init; }

    public bool IgnoreCase => (Options & RegexOptions.IgnoreCase) != 0;

    private Regex? _regex;
    private bool _broken;

    /// <summary>Whether the bytes can match at all, judged from the literals alone (<paramref name="lower"/> is the banner in ASCII lower case, for the rules with the i flag).</summary>
    public bool MayMatch(ReadOnlySpan<byte> banner, ReadOnlySpan<byte> lower)
    {
        if (_broken) return false;
        var text = IgnoreCase ? lower : banner;
        if (Prefix.Length > 0 && !text.StartsWith(Prefix)) return false;
        return Required.Length <= Prefix.Length || text.IndexOf(Required) >= 0;
    }

    /// <summary>The compiled pattern, compiled now if it is the first use; null when .NET refused it.</summary>
    public Regex? Compiled()
    {
        if (_regex is not null || _broken) return _regex;
        try
        {
            _regex = Backtracking();
        }
        catch (ArgumentException)
        {
            _broken = true;
        }
        return _regex;
    }

    public bool Broken => _broken;

    public bool IsCompiled => _regex is not null || _broken;

    /// <summary>
    /// After a timeout: the rule runs without backtracking from now on when its pattern allows (linear
    /// in the banner, no timeout needed), else it is dropped. Not the default: measured on nmap's rules,
    /// a NonBacktracking pattern costs ~10 ms to build and ~1 ms to run its first matches, the
    /// backtracking interpreter ~30 us and a few microseconds (docs/banners-identification.md).
    /// </summary>
    public void Demote()
    {
        _regex = Linear ? TryLinear() : null;
        if (_regex is null) _broken = true;
    }

    private Regex? TryLinear()
    {
        try { return new Regex(Pattern, Options | RegexOptions.NonBacktracking); }
        catch (NotSupportedException) { return null; }
    }

    private Regex Backtracking() => new(Pattern, Options, MatchTimeout);

    /// <summary>The rule's literals in lower case for the i flag (ASCII), so they compare with the lowered banner.</summary>
    public static byte[] Lower(byte[] b)
    {
        var l = (byte[])b.Clone();
        for (int k = 0; k < l.Length; k++) if (l[k] is >= (byte)'A' and <= (byte)'Z') l[k] |= 0x20;
        return l;
    }

    public override string ToString() => $"line {Line}: {Service} {Pattern}";
}
