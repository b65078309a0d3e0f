namespace RawScan.Targets;

/// <summary>
/// A set of IPv4 addresses held as sorted, disjoint ranges, never expanded: a /8 costs one range.
/// Address number i (0 &lt;= i &lt; Count) is found by binary search over cumulative counts, so the
/// scan space (addresses x ports) can be indexed 0..N-1 and visited in any order.
/// </summary>
public sealed class TargetSet
{
    private readonly Ipv4Range[] _ranges;
    private readonly ulong[] _startIndex; // _startIndex[k] = number of addresses before _ranges[k]

    public TargetSet(IEnumerable<Ipv4Range> ranges)
    {
        _ranges = Normalize(ranges);
        _startIndex = new ulong[_ranges.Length];
        ulong n = 0;
        for (int k = 0; k < _ranges.Length; k++) { _startIndex[k] = n; n += _ranges[k].Count; }
        Count = n;
    }

    public static TargetSet Empty { get; } = new([]);

    public ulong Count { get; }
    public IReadOnlyList<Ipv4Range> Ranges => _ranges;

    /// <summary>Parses targets as the user types them: tokens separated by commas or whitespace.</summary>
    public static TargetSet Parse(IEnumerable<string> args, string what = "target")
    {
        var list = new List<Ipv4Range>();
        foreach (var arg in args)
        {
            var tokens = arg.Split([',', ' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries);
            // An empty argument ('' or ',') is a mistake, not "no targets": it said "no address left after excludes".
            if (tokens.Length == 0) throw new BadInputException(what, arg, "empty: expected an address, a CIDR block or a range");
            foreach (var token in tokens) list.Add(Ipv4Range.Parse(token, what));
        }
        return new TargetSet(list);
    }

    public static TargetSet Parse(string text, string what = "target") => Parse([text], what);

    public bool Contains(uint a)
    {
        int lo = 0, hi = _ranges.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (a < _ranges[mid].First) hi = mid - 1;
            else if (a > _ranges[mid].Last) lo = mid + 1;
            else return true;
        }
        return false;
    }

    /// <summary>The i-th address in ascending order.</summary>
    public uint this[ulong i]
    {
        get
        {
            if (i >= Count) throw new ArgumentOutOfRangeException(nameof(i));
            if (_ranges.Length == 1) return _ranges[0].First + (uint)i;
            int lo = 0, hi = _ranges.Length - 1;
            while (lo < hi)
            {
                int mid = (lo + hi + 1) >>> 1;
                if (_startIndex[mid] <= i) lo = mid; else hi = mid - 1;
            }
            return _ranges[lo].First + (uint)(i - _startIndex[lo]);
        }
    }

    /// <summary>This set minus another, still as ranges.</summary>
    public TargetSet Except(TargetSet other)
    {
        if (other.Count == 0) return this;
        var result = new List<Ipv4Range>();
        foreach (var r in _ranges)
        {
            ulong first = r.First;
            foreach (var x in other._ranges)
            {
                if (x.Last < first || x.First > r.Last) continue;
                if (x.First > first) result.Add(new Ipv4Range((uint)first, x.First - 1));
                first = (ulong)x.Last + 1;
                if (first > r.Last) break;
            }
            if (first <= r.Last) result.Add(new Ipv4Range((uint)first, r.Last));
        }
        return new TargetSet(result);
    }

    private static Ipv4Range[] Normalize(IEnumerable<Ipv4Range> ranges)
    {
        var sorted = ranges.OrderBy(r => r.First).ToList();
        var merged = new List<Ipv4Range>(sorted.Count);
        foreach (var r in sorted)
        {
            if (merged.Count > 0 && (ulong)r.First <= (ulong)merged[^1].Last + 1)
            {
                var last = merged[^1];
                merged[^1] = last with { Last = Math.Max(last.Last, r.Last) };
            }
            else merged.Add(r);
        }
        return [.. merged];
    }

    public override string ToString() => string.Join(",", _ranges);
}
