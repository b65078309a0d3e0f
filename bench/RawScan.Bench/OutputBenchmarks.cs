using BenchmarkDotNet.Attributes;
using RawScan.Output;
using RawScan.Registry;
using RawScan.Results;
using RawScan.Targets;

namespace RawScan.Bench;

/// <summary>
/// What the receive thread does with each open result, one sink at a time: the summary's counts, the
/// table's collection, a JSON line (Stream.Null), and all three as the CLI chains them.
/// </summary>
[MemoryDiagnoser]
public class OutputBenchmarks
{
    private const int N = 4096;
    private readonly PortResult[] _results = new PortResult[N];
    private SummaryWriter _summary = null!;
    private JsonLinesWriter _json = null!;
    private TableWriter _table = null!;

    [GlobalSetup]
    public void Setup()
    {
        ushort[] ports = [80, 443, 22, 8080, 12345, 53];
        for (int i = 0; i < N; i++)
            _results[i] = new PortResult(0xC6120000u + (uint)i, Protocol.Tcp, ports[i % ports.Length], PortState.Open, 64, 0);
        _summary = new SummaryWriter(ServiceRegistry.Default);
        _json = new JsonLinesWriter(Stream.Null, ServiceRegistry.Default);
        NewTable();
        Summary(); Json();
        var w = new StringWriter();
        _summary.Write(w, Fake());
        if (!w.ToString().Contains("http")) throw new InvalidOperationException("the summary did not count the results: the figures would mean nothing");
    }

    [IterationSetup(Target = nameof(Table))]
    public void NewTable()
    {
        _table?.Dispose();
        _table = new TableWriter(TextWriter.Null, ServiceRegistry.Default);
        _table.Begin(new ScanHeader("bench", DateTimeOffset.UnixEpoch, ScanPorts.Parse("80,443,22,8080,12345,53", ScanTypes.Tcp), N, "bench"));
    }

    [Benchmark(OperationsPerInvoke = N)]
    public long Summary()
    {
        foreach (ref readonly var r in _results.AsSpan()) _summary.OnResult(r);
        return _summary.Count(PortState.Open);
    }

    [Benchmark(OperationsPerInvoke = N)]
    public int Json()
    {
        foreach (ref readonly var r in _results.AsSpan()) _json.OnResult(r);
        return N;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public int Table()
    {
        foreach (ref readonly var r in _results.AsSpan()) _table.OnResult(r);
        return _table.HostsUp;
    }

    private static ScanSummary Fake() => new()
    {
        End = ScanEnd.Completed, Interface = "scan0", SendPath = "native", SourceIp = 0, NextHopMac = "", ProbesPlanned = N, ProbesSent = N,
        Replies = N, Duplicates = 0, Forged = 0, Malformed = 0, Open = N, Closed = 0, Filtered = 0, OpenFiltered = 0, Retransmits = 0,
        Late = 0, ResetsSent = 0, SmoothedRtt = TimeSpan.Zero, Timeout = TimeSpan.Zero, KernelDrops = 0, SendTime = TimeSpan.Zero,
        Duration = TimeSpan.Zero, NextPosition = 0,
    };
}
