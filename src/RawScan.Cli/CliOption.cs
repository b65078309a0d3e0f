namespace RawScan.Cli;

/// <summary>Whether a resumed scan (<c>scan --resume FILE ...</c>) may give an option a new value.</summary>
internal enum OnResume
{
    /// <summary>It defines the scan's space or probes (targets, ports, excludes, seed, shard, protocols,
    /// payloads): a saved position means nothing in another space.</summary>
    Fixed,
    /// <summary>It says how fast, where from, how long, or how to report (rate, wait, outputs,
    /// interface, show...): the rest of the same scan may be run differently.</summary>
    MayChange,
}

/// <summary>
/// One command-line option, declared once: its names, whether it takes a value, what it sets, how it
/// travels (into <c>--lab</c>'s inner run, into a resume file) and its help line. Parsing, the usage
/// text, the inner run's arguments and the saved ones are all derived from a table of these.
/// </summary>
/// <typeparam name="T">What the options of one command write into while they are read.</typeparam>
/// <param name="Names">Its spellings; the first is the one derived arguments use. None for the positional operand.</param>
/// <param name="Value">The value's name in the usage text (PORTS, FILE); null for a flag, which takes none.</param>
internal sealed record CliOption<T>(string[] Names, string? Value, OnResume Resume, Action<T, string> Set, string Help)
{
    /// <summary>nmap's glued form, "-p80" for "-p 80" (only short names that take a value).</summary>
    public bool Glued { get; init; }

    /// <summary>Passed to the same command re-run inside the lab's namespace (everything but --lab itself).</summary>
    public bool ToLab { get; init; } = true;

    /// <summary>Kept in a resume file's arguments (not --lab, not --resume, not --seed: the file has its own seed).</summary>
    public bool Saved { get; init; } = true;

    public bool TakesValue => Value is not null;
    public bool IsOperand => Names.Length == 0;
    public string Name => IsOperand ? Value! : Names[0];

    /// <summary>The usage line's left column: "-p, --ports PORTS".</summary>
    public string Synopsis => IsOperand ? Value! : string.Join(", ", Names) + (Value is null ? "" : " " + Value);
}

/// <summary>An option as it was given: which one and its value (the token itself for an operand, null for a flag).</summary>
internal sealed record Given<T>(CliOption<T> Option, string? Value);
