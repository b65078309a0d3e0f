using RawScan.Results;

namespace RawScan.Output;

/// <summary>
/// Which states a report lists port by port (--show): open always; closed and filtered (with UDP's
/// open|filtered) when asked. What is not listed is still counted: reports say how many ports of each
/// state they leave out (nmap's "Not shown", &lt;extraports&gt;, "Ignored State") and a host that
/// answered only with RSTs is up all the same.
/// </summary>
public sealed record ShownStates(bool Closed, bool Filtered)
{
    /// <summary>The default: open ports only.</summary>
    public static ShownStates OpenOnly { get; } = new(false, false);

    public bool Includes(PortResult r) => Includes(r.State);

    public bool Includes(PortState s) => s switch
    {
        PortState.Open => true,
        PortState.Closed => Closed,
        _ => Filtered,                                // filtered, and open|filtered (UDP's silence)
    };

    /// <exception cref="BadInputException">A state other than open, closed, filtered.</exception>
    public static ShownStates Parse(string value)
    {
        bool closed = false, filtered = false;
        foreach (var s in value.Split(','))
            switch (s)
            {
                case "open": break;
                case "closed": closed = true; break;
                case "filtered": filtered = true; break;
                default: throw new BadInputException("--show state", s, "one of open, closed, filtered");
            }
        return new ShownStates(closed, filtered);
    }
}
