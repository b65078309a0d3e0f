using System.Text;
using RawScan.Targets;

namespace RawScan.Banners;

/// <summary>
/// HTTP/1.1 <c>GET /</c> (RFC 9110, RFC 9112): the Host header a virtual host needs (an IPv6 address in
/// brackets, the port when it is not 80, RFC 9112 section 3.2), and <c>Connection: close</c> so the
/// server ends the answer itself. What draws it is read by nmap's GetRequest rules (nmap sends
/// HTTP/1.0 without headers; the answers are alike).
/// </summary>
public sealed class HttpHello : IHello
{
    private static readonly byte[] Head = "GET / HTTP/1.1\r\nHost: "u8.ToArray();
    private static readonly byte[] Tail = "\r\nUser-Agent: Mozilla/5.0 (compatible; rawscan)\r\nAccept: */*\r\nConnection: close\r\n\r\n"u8.ToArray();

    public string Name => "http";
    public string? NmapProbe => "GetRequest";

    /// <summary>"[" + the longest IPv6 text (39) + "]:65535".</summary>
    public int MaxLength => Head.Length + 1 + 39 + 1 + 6 + Tail.Length;

    public int Write(Span<byte> destination, UInt128 address, ushort port)
    {
        Head.CopyTo(destination);
        int n = Head.Length;
        Span<char> text = stackalloc char[48];
        int t = Ip.Format(address, text);
        bool v6 = !Ip.IsV4(address);
        if (v6) destination[n++] = (byte)'[';
        n += Encoding.ASCII.GetBytes(text[..t], destination[n..]);
        if (v6) destination[n++] = (byte)']';
        if (port != 80)
        {
            destination[n++] = (byte)':';
            port.TryFormat(destination[n..], out int w);
            n += w;
        }
        Tail.CopyTo(destination[n..]);
        return n + Tail.Length;
    }
}
