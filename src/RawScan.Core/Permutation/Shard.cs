namespace RawScan.Permutation;

/// <summary>
/// Shard i of n (1-based, "--shard 2/3"): positions i-1, i-1+n, i-1+2n, ... of the shuffled order.
/// Machines given the same seed and different i cover every probe exactly once between them.
/// </summary>
public readonly record struct Shard(int Index, int Count)
{
    public static Shard Whole => new(1, 1);

    public static Shard Parse(string s)
    {
        int slash = s.IndexOf('/');
        if (slash > 0 && int.TryParse(s[..slash], out int i) && int.TryParse(s[(slash + 1)..], out int n)
            && n >= 1 && i >= 1 && i <= n && !s.Contains('+') && !s.Contains(' '))
            return new Shard(i, n);
        throw new BadInputException("shard", s, "i/n with 1 <= i <= n, e.g. 1/3");
    }

    /// <summary>The first position of the shuffled order that belongs to this shard.</summary>
    public ulong First => (ulong)(Index - 1);

    /// <summary>How many of <paramref name="total"/> positions belong to this shard.</summary>
    public ulong CountOf(ulong total) => total <= First ? 0 : (total - First + (ulong)Count - 1) / (ulong)Count;

    public override string ToString() => $"{Index}/{Count}";
}
