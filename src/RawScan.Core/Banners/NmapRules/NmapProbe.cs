namespace RawScan.Banners;

/// <summary>One Probe of nmap-service-probes: its rules in the file's order, indexed by the first byte they must start with.</summary>
internal sealed class NmapProbe(string name)
{
    public string Name { get; } = name;
    public List<NmapRule> Rules { get; } = [];
    public List<string> Fallbacks { get; } = [];

    /// <summary>Per first byte, the positions (in <see cref="Rules"/>) of the rules that can start with it: those with that first literal byte and those with no literal prefix, in the file's order.</summary>
    private int[][] _byFirst = [];
    private int[] _unanchored = [];

    public void Index()
    {
        var lists = new List<int>[256];
        for (int b = 0; b < 256; b++) lists[b] = [];
        var free = new List<int>();
        for (int r = 0; r < Rules.Count; r++)
        {
            var rule = Rules[r];
            if (rule.Prefix.Length == 0) { free.Add(r); foreach (var l in lists) l.Add(r); continue; }
            byte f = rule.Prefix[0];
            lists[f].Add(r);
            if (rule.IgnoreCase && f is >= (byte)'a' and <= (byte)'z') lists[f & 0xdf].Add(r);
        }
        _byFirst = [.. lists.Select(l => l.ToArray())];
        _unanchored = [.. free];
    }

    /// <summary>The positions of the rules worth trying on a banner starting with <paramref name="first"/> (or on an empty banner).</summary>
    public int[] Candidates(ReadOnlySpan<byte> banner) => banner.IsEmpty ? _unanchored : _byFirst[banner[0]];
}
