namespace RawScan.Results;

/// <summary>Port states with nmap's meanings.</summary>
public enum PortState : byte
{
    /// <summary>TCP: SYN-ACK. UDP: a reply in the port's protocol.</summary>
    Open,
    /// <summary>TCP: RST. UDP: ICMP port unreachable.</summary>
    Closed,
    /// <summary>No reply after the retries, or an ICMP unreachable that means a filter.</summary>
    Filtered,
    /// <summary>UDP only: no reply after the retries.</summary>
    OpenFiltered,
}

public static class PortStateNames
{
    public static string Name(this PortState s) => s switch
    {
        PortState.Open => "open",
        PortState.Closed => "closed",
        PortState.Filtered => "filtered",
        PortState.OpenFiltered => "open|filtered",
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };

    public static string Name(this Protocol p) => p == Protocol.Tcp ? "tcp" : "udp";

    public static bool TryParse(string s, out PortState state)
    {
        switch (s)
        {
            case "open": state = PortState.Open; return true;
            case "closed": state = PortState.Closed; return true;
            case "filtered": state = PortState.Filtered; return true;
            case "open|filtered": state = PortState.OpenFiltered; return true;
            default: state = default; return false;
        }
    }
}
