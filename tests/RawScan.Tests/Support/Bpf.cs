using RawScan.Lab.Internal;
using RawScan.Transmit;

namespace RawScan.Tests;

/// <summary>libpcap's own reading of a capture filter: tcpdump copies the frames the filter keeps from one pcap file to another.</summary>
internal static class Bpf
{
    /// <summary>The indexes of the frames <paramref name="filter"/> keeps.</summary>
    public static List<int> Keeps(IReadOnlyList<byte[]> frames, string filter)
    {
        string pcap = Path.Combine(Path.GetTempPath(), $"rawscan-bpf-{Environment.ProcessId}-{Guid.NewGuid():N}.pcap"), kept = pcap + ".kept";
        try
        {
            using (var sink = new PcapFileSink(pcap))
            {
                var batch = new FrameBatch(frames.Count, Math.Max(FrameBatch.DefaultStride, frames.Max(f => f.Length)));
                foreach (var f in frames) { f.CopyTo(batch.Next()); batch.Commit(f.Length); }
                sink.Send(batch);
            }
            Exec.Run("tcpdump", "-r", pcap, "-w", kept, filter);
            var all = frames.ToList();
            return PcapFileReader.Frames(kept).Select(k => all.FindIndex(f => f.AsSpan().SequenceEqual(k))).ToList();
        }
        finally { File.Delete(pcap); File.Delete(kept); }
    }
}
