using System.Globalization;

namespace RawScan.Cli;

/// <summary>
/// Command-line options, parsed by hand so every error is one line naming the token at fault
/// (a library's multi-line usage dump is not that). Accepts "--name value", "--name=value",
/// and nmap's glued short forms ("-p80", "-oJ file").
/// </summary>
internal sealed class OptionReader
{
    private readonly string[] _args;
    private int _i;

    public OptionReader(string[] args) => _args = args;

    public bool More => _i < _args.Length;

    /// <summary>The next argument; for an option "--x=v" the value is kept for <see cref="Value"/>.</summary>
    public string Next()
    {
        var a = _args[_i++];
        _pendingValue = null;
        if (a.StartsWith("--", StringComparison.Ordinal) && a.IndexOf('=') is > 2 and var eq)
        {
            _pendingValue = a[(eq + 1)..];
            return a[..eq];
        }
        return a;
    }

    private string? _pendingValue;

    public string Value(string option)
    {
        if (_pendingValue is { } v) { _pendingValue = null; return v; }
        if (_i >= _args.Length) throw new BadInputException("option", option, "needs a value");
        return _args[_i++];
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
