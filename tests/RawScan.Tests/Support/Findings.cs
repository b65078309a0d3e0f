using RawScan.Output;
using RawScan.Registry;
using RawScan.Results;

namespace RawScan.Tests;

/// <summary>A --banners scan's results for the report tests: open TCP ports with findings (some hostile), and results without.</summary>
internal static class Findings
{
    /// <summary>Every byte that can hurt a report: NUL, quotes, markup, a script, line ends, a tab, ESC, DEL, bytes that are not UTF-8, a formula.</summary>
    public static readonly byte[] Hostile =
    [
        .. "=HYPERLINK(\"x\"),'<script>alert(1)</script>\r\n</td>\\x41 &amp;"u8, 0, 9, 0x1b, (byte)'[', (byte)'2', (byte)'J', 0x7f, 0x80, 0xc3, 0x28, 0xff, 0xfe, (byte)'\n',
    ];

    public static readonly ServiceFinding Ssh = new()
    {
        Service = "ssh", Product = "OpenSSH", Version = "9.2p1 Debian 2+deb12u10", Info = "protocol 2.0", Method = ServiceMethod.Probed,
        Banner = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n"u8.ToArray(), Hello = "null", Recogniser = "ssh",
    };

    public static readonly ServiceFinding Https = new()
    {
        Service = "http", Product = "nginx", Version = "1.22.1", Tunnel = "ssl", Method = ServiceMethod.Probed,
        TlsSubject = "CN=lab.example,O=\"Lab, Inc.\"", TlsIssuer = "CN=lab.example", Banner = "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n\r\n"u8.ToArray(),
    };

    /// <summary>Nothing recognised: the registry's guess, with the bytes that came.</summary>
    public static readonly ServiceFinding Unknown = new() { Service = "netbus", Method = ServiceMethod.Table, Banner = Hostile };

    /// <summary>A hostile server that names itself with markup and controls.</summary>
    public static readonly ServiceFinding HostileHttp = new()
    {
        Service = "http", Product = "<script>alert(1)</script>", Version = "1\r\n2\"3", Method = ServiceMethod.Probed, Banner = Hostile,
    };

    /// <summary>(result, finding or null): ssh on 22, ssh on 8080 (registry: http-proxy), https on 443, ssh on the backdoor port 12345, a hostile http on 80.</summary>
    public static readonly (PortResult Result, ServiceFinding? Finding)[] Sample =
    [
        (Reports.R("198.18.0.1", Protocol.Tcp, 22, PortState.Open, 64), Ssh),
        (Reports.R("198.18.0.1", Protocol.Tcp, 80, PortState.Open, 64), HostileHttp),
        (Reports.R("198.18.0.1", Protocol.Tcp, 443, PortState.Open, 64), Https),
        (Reports.R("198.18.0.1", Protocol.Tcp, 25, PortState.Closed, 64), null),
        (Reports.R("198.18.0.1", Protocol.Udp, 53, PortState.Open, 64), null),
        (Reports.R("198.18.0.2", Protocol.Tcp, 8080, PortState.Open, 128), Ssh),
        (Reports.R("198.18.0.2", Protocol.Tcp, 12345, PortState.Open, 128), Ssh),
        (Reports.R("198.18.0.2", Protocol.Tcp, 8443, PortState.Open, 128), Unknown with { Service = null }),
        (Reports.R("198.18.0.3", Protocol.Tcp, 12345, PortState.Open, 128), Unknown),
    ];

    /// <summary>The sample written as a --banners scan writes it: findings through OnService, the rest through OnResult.</summary>
    public static string Write(string path, string format, IEnumerable<(PortResult Result, ServiceFinding? Finding)>? results = null,
        IServiceRegistry? registry = null)
    {
        using var w = ReportFormats.Create(format, File.Create(path), registry ?? new StubServiceRegistry());
        w.Begin(Reports.Header with { Banners = true });
        Feed(w, results ?? Sample);
        w.End(Reports.Summary());
        return path;
    }

    public static void Feed(IResultSink sink, IEnumerable<(PortResult Result, ServiceFinding? Finding)> results)
    {
        foreach (var (r, f) in results)
            if (f is null) sink.OnResult(r); else sink.OnService(r, f);
    }
}
