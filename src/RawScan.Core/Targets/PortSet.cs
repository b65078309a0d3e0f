namespace RawScan.Targets;

/// <summary>
/// Ports to probe, as sorted disjoint ranges; port number i is found without expanding the list.
/// Syntax as in nmap and masscan: "22,80,8000-8100". Port 0 is allowed when asked for explicitly.
/// </summary>
public sealed class PortSet
{
    private readonly (ushort First, ushort Last)[] _ranges;
    private readonly int[] _startIndex;

    private PortSet((ushort, ushort)[] ranges)
    {
        _ranges = ranges;
        _startIndex = new int[ranges.Length];
        int n = 0;
        for (int k = 0; k < ranges.Length; k++) { _startIndex[k] = n; n += ranges[k].Item2 - ranges[k].Item1 + 1; }
        Count = n;
    }

    public int Count { get; }

    /// <summary>No ports: the other protocol's set in a scan of one protocol.</summary>
    public static PortSet None { get; } = new([]);

    public IReadOnlyList<(ushort First, ushort Last)> Ranges => _ranges;

    public static PortSet Parse(string text)
    {
        var list = new List<(ushort, ushort)>();
        foreach (var raw in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (raw.Length == 0) throw new BadInputException("port", text, "empty item in port list");
            int dash = raw.IndexOf('-');
            if (dash < 0)
            {
                ushort p = ParsePort(raw);
                list.Add((p, p));
                continue;
            }
            // "-100" means 1-100 and "60000-" means 60000-65535, as nmap reads them.
            ushort a = dash == 0 ? (ushort)1 : ParsePort(raw[..dash]);
            ushort b = dash == raw.Length - 1 ? (ushort)65535 : ParsePort(raw[(dash + 1)..]);
            if (b < a) throw new BadInputException("port", raw, "range ends before it starts");
            list.Add((a, b));
        }
        list.Sort();
        var merged = new List<(ushort First, ushort Last)>();
        foreach (var r in list)
        {
            if (merged.Count > 0 && r.Item1 <= merged[^1].Last + 1)
                merged[^1] = (merged[^1].First, Math.Max(merged[^1].Last, r.Item2));
            else merged.Add(r);
        }
        return new PortSet([.. merged]);
    }

    private static ushort ParsePort(string s)
    {
        foreach (char c in s)
            if ((uint)(c - '0') > 9) throw new BadInputException("port", s, "not a port number (0-65535)");
        if (s.Length > 5 || !int.TryParse(s, out int v) || v > 65535)
            throw new BadInputException("port", s, "port numbers go from 0 to 65535");
        return (ushort)v;
    }

    public bool Contains(ushort p)
    {
        foreach (var r in _ranges) if (p >= r.First && p <= r.Last) return true;
        return false;
    }

    /// <summary>The rank of <paramref name="p"/> in the set (its i, for <c>this[i]</c>), or -1: a binary search over the ranges.</summary>
    public int IndexOf(ushort p)
    {
        int lo = 0, hi = _ranges.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (p < _ranges[mid].First) hi = mid - 1;
            else if (p > _ranges[mid].Last) lo = mid + 1;
            else return _startIndex[mid] + (p - _ranges[mid].First);
        }
        return -1;
    }

    public ushort this[int i]
    {
        get
        {
            if ((uint)i >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(i));
            int lo = 0, hi = _ranges.Length - 1;
            while (lo < hi)
            {
                int mid = (lo + hi + 1) >>> 1;
                if (_startIndex[mid] <= i) lo = mid; else hi = mid - 1;
            }
            return (ushort)(_ranges[lo].First + (i - _startIndex[lo]));
        }
    }

    public override string ToString() => string.Join(",", _ranges.Select(r => r.First == r.Last ? $"{r.First}" : $"{r.First}-{r.Last}"));
}
