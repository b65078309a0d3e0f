using RawScan.Results;

namespace RawScan.Targets;

/// <summary>Which scan types are asked for: -sS (TCP SYN, the default) and/or -sU (UDP).</summary>
[Flags]
public enum ScanTypes { Tcp = 1, Udp = 2 }

/// <summary>
/// The ports of a scan per protocol: TCP and UDP are separate spaces, so tcp/53 and udp/53 are two
/// probes. Written as nmap does: "-p 22,80" applies to every scan type asked for (-sS, -sU), and
/// "T:" or "U:" narrows the items after it: "-p T:22,80,U:53,161", "-p 53,T:80".
/// </summary>
public sealed record ScanPorts(PortSet Tcp, PortSet Udp)
{
    public int Count => Tcp.Count + Udp.Count;

    public static ScanPorts Parse(string text, ScanTypes types)
    {
        var tcp = new List<string>();
        var udp = new List<string>();
        var current = types;
        foreach (var raw in text.Split(','))
        {
            var item = raw.Trim();
            if (item.Length >= 2 && item[1] == ':' && char.ToUpperInvariant(item[0]) is 'T' or 'U')
            {
                current = char.ToUpperInvariant(item[0]) == 'T' ? ScanTypes.Tcp : ScanTypes.Udp;
                item = item[2..];
            }
            else if (item.Contains(':'))
                throw new BadInputException("port", item, "a protocol prefix is T: or U:");
            if (item.Length == 0) throw new BadInputException("port", text, "empty item in port list");
            if (current.HasFlag(ScanTypes.Tcp)) tcp.Add(item);
            if (current.HasFlag(ScanTypes.Udp)) udp.Add(item);
        }
        return new ScanPorts(tcp.Count > 0 ? PortSet.Parse(string.Join(",", tcp)) : PortSet.None,
                             udp.Count > 0 ? PortSet.Parse(string.Join(",", udp)) : PortSet.None);
    }

    public override string ToString() =>
        Udp.Count == 0 ? Tcp.ToString() : Tcp.Count == 0 ? $"U:{Udp}" : $"T:{Tcp},U:{Udp}";

    public Protocol ProtocolOf(int portIndex) => portIndex < Tcp.Count ? Protocol.Tcp : Protocol.Udp;
}
