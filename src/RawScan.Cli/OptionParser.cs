using System.Globalization;
using System.Text;

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

/// <summary>
/// Reads a command line against an option table, by hand, so every error is one line naming the token
/// at fault (a library's multi-line usage dump is not that; docs/decisions.md says why not
/// System.CommandLine). Accepts "--name value" and "--name=value" for every option that takes a
/// value, nmap's glued "-p80", and nmap's short options ("-sS", "-oJ FILE", "-iL FILE").
/// </summary>
internal static class OptionParser
{
    /// <summary>The options and operands of <paramref name="args"/>, in order, values not yet checked.</summary>
    /// <exception cref="BadInputException">An unknown option, a missing value, or a value given to a flag.</exception>
    public static List<Given<T>> Read<T>(IReadOnlyList<string> args, IReadOnlyList<CliOption<T>> table)
    {
        var operand = table.Single(o => o.IsOperand);
        var byName = new Dictionary<string, CliOption<T>>(StringComparer.Ordinal);
        foreach (var o in table)
            foreach (var n in o.Names) byName.Add(n, o);       // a name declared twice fails here, at once
        var given = new List<Given<T>>();
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i], name = a;
            string? inline = null;
            if (a.StartsWith("--", StringComparison.Ordinal) && a.IndexOf('=') is > 2 and var eq)
            {
                name = a[..eq];
                inline = a[(eq + 1)..];
            }
            if (byName.TryGetValue(name, out var option))
            {
                if (!option.TakesValue)
                {
                    if (inline is not null) throw new BadInputException("option", name, "takes no value");
                    given.Add(new(option, null));
                }
                else if (inline is not null) given.Add(new(option, inline));
                else if (i + 1 < args.Count) given.Add(new(option, args[++i]));
                else throw new BadInputException("option", name, "needs a value");
                continue;
            }
            if (a.Length > 1 && a[0] == '-')
            {
                var glued = table.FirstOrDefault(o => o.Glued && o.Names.Any(n => a.Length > n.Length && a.StartsWith(n, StringComparison.Ordinal)));
                if (glued is null || a.StartsWith("--", StringComparison.Ordinal))
                    throw new BadInputException("option", name, "unknown option (see 'rawscan scan --help')");
                given.Add(new(glued, a[glued.Names.First(n => a.StartsWith(n, StringComparison.Ordinal)).Length..]));
                continue;
            }
            given.Add(new(operand, a));
        }
        return given;
    }

    /// <summary>Options as arguments again, each under its first name, its value as the next argument.</summary>
    public static string[] Write<T>(IEnumerable<Given<T>> given)
    {
        var args = new List<string>();
        foreach (var g in given)
        {
            if (!g.Option.IsOperand) args.Add(g.Option.Names[0]);
            if (g.Value is not null) args.Add(g.Value);
        }
        return [.. args];
    }

    /// <summary>One line per option: its synopsis, then its help (continuation lines indented under it).</summary>
    public static string Usage<T>(string head, IReadOnlyList<CliOption<T>> table)
    {
        int width = table.Max(o => o.Synopsis.Length) + 2;
        var sb = new StringBuilder(head);
        foreach (var o in table)
        {
            var lines = o.Help.Split('\n');
            sb.Append('\n').Append("  ").Append(o.Synopsis.PadRight(width)).Append(lines[0]);
            foreach (var more in lines.Skip(1)) sb.Append('\n').Append(' ', width + 2).Append(more);
        }
        return sb.ToString();
    }

    public static double ParseRate(string s)
    {
        if (s is "max" or "inf") return double.PositiveInfinity;
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double r) || !(r > 0) || double.IsInfinity(r))
            throw new BadInputException("rate", s, "packets per second, a number above 0 (or 'max')");
        return r;
    }

    public static TimeSpan ParseSeconds(string s, string what)
    {
        double mult = 1;
        var t = s;
        if (t.EndsWith("ms", StringComparison.Ordinal)) { mult = 0.001; t = t[..^2]; }
        else if (t.EndsWith('s')) t = t[..^1];
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || v < 0 || v > 86400)
            throw new BadInputException(what, s, "seconds, e.g. 2, 0.5 or 500ms");
        return TimeSpan.FromSeconds(v * mult);
    }
}
