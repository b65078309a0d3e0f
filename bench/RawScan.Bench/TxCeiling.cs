using System.Diagnostics;
using System.Globalization;
using RawScan.Interop;
using RawScan.Probes;
using RawScan.Routing;
using RawScan.Targets;
using RawScan.Transmit;

namespace RawScan.Bench;

/// <summary>
/// The transmit ceiling of each sink: SYN frames built with <see cref="TcpTemplate"/> into
/// <see cref="FrameBatch"/>es and handed to a sink as fast as it takes them, the same work as
/// /work/shared/reference/txbench.c so the two compare in one run (bench/tx-ceiling.sh).
/// LAB USE ONLY, like txbench: destinations are inside 198.18.0.0/16, the destination MAC is one no
/// lab host has, and it refuses to run in a network namespace with a default route.
/// usage: txceiling --iface scan0 --sink native|native-bypass|native-txring|native-txring-bypass|pcap
///                  [--seconds 5 | --frames N] [--batch 64] [--src-ip 198.19.0.10] [--dst-mac 02:00:00:00:00:99] [--dport 80]
/// Prints one line: sink=... batch=... sent=... secs=... pps=...
/// </summary>
internal static class TxCeiling
{
    // Optimised from the first call: the send loop below runs once, so tier-0 code would be timed
    // as part of the figure (txbench, in C, has no such warm-up).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static int Run(string[] args)
    {
        string iface = "scan0", sinkName = "native", dstMacText = "02:00:00:00:00:99", srcText = "198.19.0.10";
        double seconds = 5;
        long frames = 0;
        int batchSize = 64;
        ushort dport = 80;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--iface": iface = Value(); break;
                case "--sink": sinkName = Value(); break;
                case "--seconds": seconds = double.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--frames": frames = long.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--batch": batchSize = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--src-ip": srcText = Value(); break;
                case "--dst-mac": dstMacText = Value(); break;
                case "--dport": dport = ushort.Parse(Value(), CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine($"txceiling: unknown option {args[i]}"); return 2;
            }
        }
        if (HasDefaultRoute())
        {
            Console.Error.WriteLine("refusing: this network namespace has a default route; run inside a lab namespace with none");
            return 2;
        }
        if (batchSize is < 1 or > 1024) { Console.Error.WriteLine("txceiling: --batch must be 1..1024"); return 2; }
        if (!Ipv4.TryParse(srcText, out uint src)) { Console.Error.WriteLine($"txceiling: bad --src-ip {srcText}"); return 2; }
        var nic = NetInterface.Find(iface);
        if (nic is null) { Console.Error.WriteLine($"txceiling: no interface {iface}"); return 1; }

        using var sink = OpenSink(sinkName, iface);
        if (sink is null) return 1;

        var template = new TcpTemplate(nic.Mac, Mac.Parse(dstMacText), src);
        var batch = new FrameBatch(batchSize);
        long sent = 0;
        uint n = 1;
        long start = Stopwatch.GetTimestamp();
        long end = frames > 0 ? long.MaxValue : start + (long)(seconds * Stopwatch.Frequency);
        // The same per-frame work as txbench's build(): destination 198.18.(n >> 8).(n & 255), source
        // port 40000 + n % 20000, sequence n * 2654435761; one clock read per batch.
        while (frames == 0 ? Stopwatch.GetTimestamp() < end : sent < frames)
        {
            batch.Clear();
            int take = frames > 0 ? (int)Math.Min(batchSize, frames - sent) : batchSize;
            for (int k = 0; k < take; k++, n++)
            {
                uint seq = n * 2654435761u;
                batch.Commit(template.Write(batch.Next(), 0xC6120000u | (n & 0xffff), (ushort)(40000 + n % 20000), dport, seq, (ushort)n));
            }
            sent += sink.Send(batch);
        }
        double secs = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sink={sinkName} batch={batchSize} sent={sent} secs={secs:0.000} pps={sent / secs:0}"));
        return 0;
    }

    private static IFrameSink? OpenSink(string name, string iface)
    {
        if (name == "pcap") return new PcapSink(PcapDevice.Open(iface, new PcapOptions { BufferBytes = 1 << 20 }));
        (bool bypass, bool ring) = name switch
        {
            "native" => (false, false),
            "native-bypass" => (true, false),
            "native-txring" => (false, true),
            "native-txring-bypass" => (true, true),
            _ => throw new ArgumentException($"unknown sink {name}: native, native-bypass, native-txring, native-txring-bypass or pcap"),
        };
        var sink = NativeSink.TryOpen(iface, bypass, ring, out string? error);
        if (sink is null) Console.Error.WriteLine($"txceiling: {error}");
        return sink;
    }

    /// <summary>As txbench.c: a route whose destination is 00000000 is a way out of the lab; unreadable counts as one.</summary>
    private static bool HasDefaultRoute()
    {
        string[] lines;
        try { lines = File.ReadAllLines("/proc/net/route"); }
        catch (IOException) { return true; }
        catch (UnauthorizedAccessException) { return true; }
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 2 && f[1] == "00000000") return true;
        }
        return false;
    }
}
