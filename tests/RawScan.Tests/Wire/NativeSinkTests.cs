using System.Text.RegularExpressions;
using RawScan.Interop;
using RawScan.Lab;
using RawScan.Lab.Internal;
using RawScan.Transmit;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// The batched native send path: the C API's own argument checks, the fallback reasons, and frames
/// sent from a lab's scanner namespace counted and decoded by tcpdump in its target namespace.
/// </summary>
public unsafe class NativeSinkTests
{
    private const int EINVAL = 22, EBADF = 9, EFAULT = 14, EMSGSIZE = 90;

    [NativeFact]
    public void OpenRefusesBadArgumentsBeforeTouchingTheSystem()
    {
        byte* err = stackalloc byte[RawscanNative.ErrSize];
        Assert.Equal(RawscanNative.Abi, RawscanNative.AbiVersion());
        foreach (var (name, flags) in new[] { ("", 0), (new string('x', 16), 0), ("lo", 4), ("lo", -1) })
        {
            Assert.Equal(-EINVAL, RawscanNative.Open(name, flags, out var tx, err, RawscanNative.ErrSize));
            Assert.True(tx.IsInvalid);
            Assert.NotEqual(0, err[0]);
        }
        Assert.Equal(-EINVAL, RawscanNative.Open(null!, 0, out var none, err, RawscanNative.ErrSize));
        Assert.True(none.IsInvalid);
    }

    [NativeFact]
    public void SendWithoutASocketIsRefused()
    {
        int len = 60;
        byte* frame = stackalloc byte[64];
        Assert.Equal(-EBADF, RawscanNative.Send(0, frame, 64, &len, 1));
    }

    /// <summary>Whatever is missing (the library, the privilege, the interface) TryOpen says so, for the fallback to libpcap.</summary>
    [Fact]
    public void TryOpenOnAMissingInterfaceSaysWhy()
    {
        Assert.Null(NativeSink.TryOpen("rawscan-nope0", qdiscBypass: false, out string? error));
        Assert.NotNull(error);
        Assert.Matches(!NativeFactAttribute.Built ? "librawscan_native.so not found"
            : LabFactAttribute.CanRun ? "rawscan-nope0: No such device" : "socket: Operation not permitted", error);
    }

    /// <summary>Only argument checks: each call is refused before sendmmsg, so nothing leaves, even on lo.</summary>
    [NativeFact(root: true)]
    public void SendChecksCountStrideAndLengths()
    {
        byte* err = stackalloc byte[RawscanNative.ErrSize];
        foreach (int flags in new[] { 0, RawscanNative.TxRing })
        {
            Assert.Equal(0, RawscanNative.Open("lo", flags, out var tx, err, RawscanNative.ErrSize));
            using (tx)
            {
                int max = RawscanNative.MaxBatch();
                Assert.Equal(1024, max);
                var buffer = new byte[(max + 1) * 128];
                var lengths = new int[max + 1];
                fixed (byte* f = buffer)
                fixed (int* l = lengths)
                {
                    Array.Fill(lengths, 60);
                    Assert.Equal(0, RawscanNative.Send(tx, f, 128, l, 0));
                    Assert.Equal(-EINVAL, RawscanNative.Send(tx, f, 128, l, -1));
                    Assert.Equal(-EINVAL, RawscanNative.Send(tx, f, 128, l, max + 1));
                    Assert.Equal(-EFAULT, RawscanNative.Send(tx, null, 128, l, 1));
                    Assert.Equal(-EFAULT, RawscanNative.Send(tx, f, 128, null, 1));
                    Assert.Equal(-EINVAL, RawscanNative.Send(tx, f, 0, l, 1));
                    Assert.Equal(-EINVAL, RawscanNative.Send(tx, f, 65537, l, 1));
                    lengths[3] = 129;                                                  // longer than the stride
                    Assert.Equal(-EMSGSIZE, RawscanNative.Send(tx, f, 128, l, 4));
                    lengths[3] = 13;                                                   // shorter than an Ethernet header
                    Assert.Equal(-EMSGSIZE, RawscanNative.Send(tx, f, 128, l, 4));
                    lengths[3] = 1515;                                                 // longer than Ethernet
                    Assert.Equal(-EMSGSIZE, RawscanNative.Send(tx, f, 2048, l, 4));
                    if (flags == RawscanNative.TxRing)
                    {
                        lengths[3] = 300;                                              // longer than a ring slot
                        Assert.Equal(-EMSGSIZE, RawscanNative.Send(tx, f, 512, l, 4));
                    }
                }
            }
        }
    }

    /// <summary>
    /// Each native mode sends a known number of SYNs (RawScan.Bench txceiling) from the lab's scanner
    /// namespace; tcpdump in the target namespace must see exactly those, each once, checksums correct.
    /// </summary>
    [NativeFact(root: true)]
    public void EveryFrameSentInALabArrivesOnceWithCorrectChecksums()
    {
        string bench = BenchDll();
        string name = "n" + Convert.ToHexString(BitConverter.GetBytes(Random.Shared.Next())).ToLowerInvariant()[..7];
        var lab = LabManager.Up(name, Cli.Command);
        try
        {
            foreach (var sink in new[] { "native", "native-bypass", "native-txring" })
            {
                const int Frames = 1000; // not a multiple of the batch (64): the last batch is partial
                var lines = LabCapture.While(lab, "tcp[tcpflags] == tcp-syn and src host 198.19.0.10 and dst net 198.18.0.0/16", () => Exec.Run("ip", "netns", "exec", lab.ScannerNamespace, "dotnet", bench, "txceiling",
                    "--iface", lab.ScannerInterface, "--sink", sink, "--frames", Frames.ToString(), "--src-ip", "198.19.0.10"));
                var ipLines = lines.Where(l => l.StartsWith("IP (", StringComparison.Ordinal)).ToList();
                var tcpLines = lines.Where(l => l.Contains("Flags [")).ToList();
                Assert.True(tcpLines.Count == Frames, $"{sink}: {tcpLines.Count} frames arrived, {Frames} were sent");
                Assert.Equal(Frames, ipLines.Count);
                Assert.All(ipLines, l => { Assert.DoesNotContain("bad cksum", l); Assert.Contains("proto TCP (6), length 44", l); });
                Assert.All(tcpLines, l => Assert.Matches(@"^ *198\.19\.0\.10\.\d+ > 198\.18\.\d+\.\d+\.80: Flags \[S\], cksum 0x[0-9a-f]{4} \(correct\), seq \d+, win 1024, options \[mss 1460\], length 0", l));
                var seqs = tcpLines.Select(l => Regex.Match(l, @"seq (\d+)").Groups[1].Value).ToHashSet();
                Assert.Equal(Frames, seqs.Count);                                      // each frame once
            }
        }
        finally { LabManager.Down(name); }
    }

    /// <summary>RawScan.Bench, built by the solution build in the same configuration as these tests.</summary>
    private static string BenchDll()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);             // tests/RawScan.Tests/bin/<config>/<tfm>/
        string tfm = dir.Name, config = dir.Parent!.Name;
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "RawScan.sln"))) dir = dir.Parent;
        Assert.True(dir is not null, "RawScan.sln not found above the test directory");
        string dll = Path.Combine(dir!.FullName, "bench", "RawScan.Bench", "bin", config, tfm, "RawScan.Bench.dll");
        Assert.True(File.Exists(dll), $"{dll} not found: build the solution (dotnet build RawScan.sln -c {config})");
        return dll;
    }
}
