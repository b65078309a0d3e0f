using System.Globalization;
using System.Text;

namespace RawScan.Cli;

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

    public const double MinRate = 0.01, MaxRate = 100_000_000;

    /// <summary>
    /// A file the scan will write: its folder must exist and it must not be a folder, checked while
    /// parsing, before any packet (an unwritable --resume-file used to fail only at Ctrl-C, losing the
    /// position; an unwritable --write-pcap failed after the capture was set up). The file itself is
    /// not touched.
    /// </summary>
    public static string WritableFile(string path, string what)
    {
        if (path.Length == 0) throw new BadInputException(what, path, "needs a file name");
        if (Directory.Exists(path)) throw new BadInputException(what, path, "is a directory, not a file");
        string dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        if (!Directory.Exists(dir)) throw new BadInputException(what, path, $"no such directory {dir}");
        return path;
    }

    public static double ParseRate(string s)
    {
        if (s is "max" or "inf") return double.PositiveInfinity;
        // Bounded: 1e-12 sent two probes and then spun a core waiting for the next; 1e99 is no rate.
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double r) || !(r >= MinRate && r <= MaxRate))
            throw new BadInputException("rate", s, "packets per second, 0.01 to 100000000 (or 'max')");
        return r;
    }

    /// <summary>A whole number in [min, max], digits only.</summary>
    public static int ParseCount(string s, string what, int min, int max) =>
        s.Length is > 0 and <= 10 && s.All(char.IsAsciiDigit) && long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n >= min && n <= max
            ? (int)n : throw new BadInputException(what, s, $"a whole number {min}-{max}");

    public static TimeSpan ParseSeconds(string s, string what)
    {
        double mult = 1;
        var t = s;
        if (t.EndsWith("ms", StringComparison.Ordinal)) { mult = 0.001; t = t[..^2]; }
        else if (t.EndsWith('s')) t = t[..^1];
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !(v >= 0 && v <= 86400))   // NaN fails both
            throw new BadInputException(what, s, "seconds, e.g. 2, 0.5 or 500ms");
        return TimeSpan.FromSeconds(v * mult);
    }
}
