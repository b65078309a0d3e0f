namespace RawScan.Targets;

/// <summary>
/// A set of addresses of either family (<see cref="Ip"/>) held as sorted, disjoint ranges, never
/// expanded: a /8 or an IPv6 /64 costs one range. Address number i (0 &lt;= i &lt; Count) is found
/// by binary search over cumulative counts, so the scan space (addresses x ports) can be indexed
/// 0..N-1 and visited in any order. IPv4 addresses (mapped) sort before global IPv6 ones.
/// </summary>
public sealed class TargetSet
{
    private readonly IpRange[] _ranges;
    private readonly UInt128[] _startIndex; // _startIndex[k] = number of addresses before _ranges[k]

    public TargetSet(IEnumerable<IpRange> ranges)
    {
        _ranges = Normalize(ranges);
        _startIndex = new UInt128[_ranges.Length];
        UInt128 n = 0;
        for (int k = 0; k < _ranges.Length; k++)
        {
            _startIndex[k] = n;
            var c = _ranges[k].Count;
            n = n > UInt128.MaxValue - c ? UInt128.MaxValue : n + c;   // more than any scan can index: saturate
        }
        Count = n;
        HasV6 = _ranges.Any(r => !r.IsV4);
    }

    public TargetSet(IEnumerable<Ipv4Range> ranges) : this(ranges.Select(IpRange.FromV4)) { }

    public static TargetSet Empty { get; } = new(Array.Empty<IpRange>());

    /// <summary>How many addresses (<see cref="UInt128.MaxValue"/> when more than that).</summary>
    public UInt128 Count { get; }

    public IReadOnlyList<IpRange> Ranges => _ranges;

    /// <summary>The IPv4 ranges, as IPv4.</summary>
    public IEnumerable<Ipv4Range> V4Ranges => _ranges.Where(r => r.IsV4).Select(r => r.ToV4());

    /// <summary>Whether any address is IPv6.</summary>
    public bool HasV6 { get; }

    /// <summary>Parses targets as the user types them: tokens separated by commas or whitespace, of either family.</summary>
    public static TargetSet Parse(IEnumerable<string> args, string what = "target")
    {
        var list = new List<IpRange>();
        foreach (var arg in args)
        {
            var tokens = arg.Split([',', ' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries);
            // An empty argument ('' or ',') is a mistake, not "no targets": it said "no address left after excludes".
            if (tokens.Length == 0) throw new BadInputException(what, arg, "empty: expected an address, a CIDR block or a range");
            foreach (var token in tokens) list.Add(IpRange.Parse(token, what));
        }
        return new TargetSet(list);
    }

    public static TargetSet Parse(string text, string what = "target") => Parse([text], what);

    public bool Contains(UInt128 a) => TryIndexOf(a, out _);

    public bool Contains(uint v4) => Contains(Ip.V4(v4));

    /// <summary>The i-th address in ascending order.</summary>
    public UInt128 this[ulong i]
    {
        get
        {
            if (i >= Count) throw new ArgumentOutOfRangeException(nameof(i));
            if (_ranges.Length == 1) return _ranges[0].First + i;
            int lo = 0, hi = _ranges.Length - 1;
            while (lo < hi)
            {
                int mid = (lo + hi + 1) >>> 1;
                if (_startIndex[mid] <= i) lo = mid; else hi = mid - 1;
            }
            return _ranges[lo].First + (i - _startIndex[lo]);
        }
    }

    /// <summary>The rank of <paramref name="a"/> in the set (its i, for <c>this[i]</c>); false when it is not in the set.</summary>
    public bool TryIndexOf(UInt128 a, out ulong index)
    {
        index = 0;
        if (_ranges.Length == 1)                     // one prefix, the usual sweep: a subtraction and a compare
        {
            var offset = a - _ranges[0].First;
            if (offset > _ranges[0].Last - _ranges[0].First) return false;
            index = (ulong)offset;
            return true;
        }
        int lo = 0, hi = _ranges.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (a < _ranges[mid].First) hi = mid - 1;
            else if (a > _ranges[mid].Last) lo = mid + 1;
            else
            {
                index = (ulong)(_startIndex[mid] + (a - _ranges[mid].First));
                return true;
            }
        }
        return false;
    }

    /// <summary>This set minus another, still as ranges.</summary>
    public TargetSet Except(TargetSet other)
    {
        if (other.Count == 0) return this;
        var result = new List<IpRange>();
        foreach (var r in _ranges)
        {
            UInt128 first = r.First;
            bool done = false;
            foreach (var x in other._ranges)
            {
                if (x.Last < first || x.First > r.Last) continue;
                if (x.First > first) result.Add(new IpRange(first, x.First - 1));
                if (x.Last >= r.Last) { done = true; break; }
                first = x.Last + 1;
            }
            if (!done && first <= r.Last) result.Add(new IpRange(first, r.Last));
        }
        return new TargetSet(result);
    }

    private static IpRange[] Normalize(IEnumerable<IpRange> ranges)
    {
        var sorted = ranges.OrderBy(r => r.First).ToList();
        var merged = new List<IpRange>(sorted.Count);
        foreach (var r in sorted)
        {
            // Adjacent ranges merge, but never across the families' border (::ffff:255.255.255.255 | ::1:0:0:0).
            if (merged.Count > 0 && merged[^1].Last != UInt128.MaxValue && r.First <= merged[^1].Last + 1 && r.IsV4 == merged[^1].IsV4)
            {
                var last = merged[^1];
                merged[^1] = last with { Last = r.Last > last.Last ? r.Last : last.Last };
            }
            else merged.Add(r);
        }
        return [.. merged];
    }

    public override string ToString() => string.Join(",", _ranges);
}
