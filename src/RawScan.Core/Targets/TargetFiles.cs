namespace RawScan.Targets;

/// <summary>Target lists in files (-iL, --excludefile): tokens as on the command line, '#' starts a comment.</summary>
public static class TargetFiles
{
    /// <summary>
    /// Addresses no scan should hit: "this network", loopback, multicast, reserved and broadcast; for
    /// IPv6 the unspecified address, loopback, multicast and link-local (which needs an interface
    /// scope to mean one host). Excluded unless the user lifts it (--no-builtin-exclude). IPv4-mapped
    /// IPv6 addresses are not excluded: they are the IPv4 addresses they map (<see cref="Ip"/>).
    /// </summary>
    public static TargetSet BuiltinExclude { get; } = TargetSet.Parse(
        "0.0.0.0/8,127.0.0.0/8,224.0.0.0/4,240.0.0.0/4,255.255.255.255/32,::/128,::1/128,ff00::/8,fe80::/10");

    /// <summary>
    /// The built-in exclude of a scan scoped to one interface (--interface): link-local addresses
    /// (fe80::/10) name hosts on that link, so they stay in; the rest is excluded as always.
    /// </summary>
    public static TargetSet BuiltinExcludeOnInterface { get; } = BuiltinExclude.Except(TargetSet.Parse("fe80::/10"));

    public static TargetSet Read(string path, string what)
    {
        var lines = InputFile.ReadLines(path, $"{what} file");
        var ranges = new List<IpRange>();
        for (int n = 0; n < lines.Count; n++)
        {
            var line = lines[n];
            int hash = line.IndexOf('#');
            if (hash >= 0) line = line[..hash];
            foreach (var token in line.Split([',', ' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries))
                ranges.Add(IpRange.Parse(token, $"{what} ({path} line {n + 1})"));
        }
        return new TargetSet(ranges);
    }
}
