namespace RawScan.Banners;

/// <summary>
/// The one list of hellos. To add one: a class implementing <see cref="IHello"/> in Hellos/, and a
/// line here; <see cref="ServiceIdentifier.PlanFor"/> chooses it for the registry's names it serves.
/// </summary>
public static class Hellos
{
    /// <summary>The largest hello any step may write (it goes in one segment).</summary>
    public const int MaxLength = 1200;

    public static readonly HttpHello Http = new();
    public static readonly TlsHello Tls = new();
    public static readonly RedisHello Redis = new();
    public static readonly MemcachedHello Memcached = new();
    public static readonly PostgresHello Postgres = new();

    public static readonly IReadOnlyList<IHello> All = [Http, Tls, Redis, Memcached, Postgres];

    /// <summary>The hello of that name ("http", "tls"...), or null.</summary>
    public static IHello? ByName(string name)
    {
        foreach (var h in All)
            if (h.Name == name) return h;
        return null;
    }

    /// <summary>Position in <see cref="All"/>, 0 for the null step (the server speaks first): a small key for caches.</summary>
    internal static int IndexOf(IHello? hello)
    {
        if (hello is null) return 0;
        for (int i = 0; i < All.Count; i++)
            if (ReferenceEquals(All[i], hello)) return i + 1;
        return All.Count + 1;
    }
}
