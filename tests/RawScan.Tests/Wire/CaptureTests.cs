using RawScan.Interop;
using RawScan.Probes;
using RawScan.Receive;
using RawScan.Transmit;
using Xunit;

namespace RawScan.Tests;

/// <summary>The capture handle as the receive loop opens it (SharpPcap underneath).</summary>
public class CaptureTests
{
    /// <summary>
    /// An inbound-only capture asks the kernel to skip it for outgoing frames, so the send path does not
    /// clone every probe into it; a capture of both directions must not.
    /// </summary>
    [LabFact]
    public void InboundOnlyCaptureIsSkippedForOutgoingFrames()
    {
        using (var inbound = PcapDevice.Open("lo", new PcapOptions { InboundOnly = true, BufferBytes = 1 << 20 }))
            Assert.True(inbound.IgnoresOutgoing);
        using var both = PcapDevice.Open("lo", new PcapOptions { BufferBytes = 1 << 20 });
        Assert.False(both.IgnoresOutgoing);
    }

    /// <summary>A device libpcap does not list is named, with the ones it does.</summary>
    [Fact]
    public void UnknownDeviceIsNamedWithTheOnesThatExist()
    {
        var e = Assert.Throws<PcapException>(() => PcapDevice.Open("rawscan-nope0", new PcapOptions()));
        Assert.Contains("cannot capture on rawscan-nope0: no such device (have: ", e.Message);
        Assert.Contains("lo", e.Message);
    }

    /// <summary>
    /// The receive loop's pull (SharpPcap's GetNextPacketPointers, the pcap_pkthdr read in place) and
    /// the parser allocate nothing per frame, and hand over every frame whole, with its timestamp:
    /// read here from a pcap file of SYN-ACKs that RawScan's template wrote.
    /// </summary>
    [Fact]
    public void PullingAndParsingAFileAllocatesNothing()
    {
        const int N = 5000;
        string path = Path.Combine(Path.GetTempPath(), $"rawscan-pull-{Guid.NewGuid():N}.pcap");
        var devices = new List<PcapDevice>();
        try
        {
            var template = new TcpTemplate([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2], 0xC6120007, flags: 0x12);
            using (var sink = new PcapFileSink(path))
            {
                var batch = new FrameBatch(N);
                for (int i = 0; i < N; i++) batch.Commit(template.Write(batch.Next(), 0xC6130002, 80, (ushort)(60000 + i), (uint)i, (ushort)i));
                sink.Send(batch);
            }
            for (int r = 0; r < 3; r++) devices.Add(PcapDevice.OpenFile(path));
            long before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000 - 60_000_000;
            int round = 0;
            Allocation.AssertNothing(() =>
            {
                var dev = devices[round++];
                long n = 0, lastTs = before;
                while (dev.Next(out var frame, out long ts) == PullResult.Packet)
                {
                    if (!Packet.TryParse(frame, out var p) || frame.Length != template.Length || ts < lastTs
                        || p.SrcIp != 0xC6120007 || p.DstPort != 60000 + n || p.TcpFlags != 0x12)
                        throw new Xunit.Sdk.XunitException($"frame {n} is not the one written: {frame.Length} bytes, ts {ts} (last {lastTs}), "
                            + $"from {p.SrcIp:x8} to port {p.DstPort}, flags {p.TcpFlags:x2}");
                    lastTs = ts;
                    n++;
                }
                return n == N ? n : throw new Xunit.Sdk.XunitException($"read {n} of {N} frames");
            });
            Assert.Equal(PullResult.EndOfFile, devices[0].Next(out _, out _));
        }
        finally
        {
            foreach (var d in devices) d.Dispose();
            File.Delete(path);
        }
    }

    /// <summary>
    /// A device that cannot be opened says why in libpcap's own words, on one line (SharpPcap alone says
    /// "Unable to activate the adapter"): here an unprivileged user's scan, inside the lab's scanner namespace.
    /// </summary>
    [LabFact]
    public void AnUnprivilegedScanSaysLibpcapsReasonOnOneLine()
    {
        var lab = RawScan.Lab.LabManager.Up("c" + Guid.NewGuid().ToString("N")[..7], Cli.Command);
        try
        {
            var psi = new System.Diagnostics.ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in (string[])["netns", "exec", lab.ScannerNamespace, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                         "env", "DOTNET_CLI_HOME=/tmp", "DOTNET_NOLOGO=1", .. UnprivilegedCli.Command, "scan", "198.18.0.1", "-p", "80"])
                psi.ArgumentList.Add(a);
            using var p = System.Diagnostics.Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            string stderr = p.StandardError.ReadToEnd();
            Assert.True(p.WaitForExit(60_000));
            Assert.Equal(1, p.ExitCode);
            Assert.Equal($"rawscan: cannot capture on {lab.ScannerInterface}: You don't have permission to perform this capture on that device: socket: Operation not permitted\n", stderr);
            Assert.DoesNotContain("Unable to activate", stderr);
        }
        finally { RawScan.Lab.LabManager.Down(lab.Name); }
    }
}
