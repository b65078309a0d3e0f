using System.Xml.Linq;
using RawScan.Lab.Internal;
using RawScan.Transmit;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// tshark's reading of frames RawScan wrote (an independent decoder that './run-scan.sh test'
/// installs): the frames go to a pcap file through <see cref="PcapFileSink"/>, tshark reads them
/// back as PDML with every checksum check on, and nothing may be malformed or draw an error or warning.
/// </summary>
internal static class Tshark
{
    /// <summary>One decoded packet: each field's name with its "show" and "value" attributes.</summary>
    public sealed record Decoded(ILookup<string, (string Show, string Value)> Fields)
    {
        public string Show(string name) => Assert.Single(Fields[name]).Show;
        public string Value(string name) => Assert.Single(Fields[name]).Value;
        public bool Has(string name) => Fields.Contains(name);
    }

    public static List<Decoded> Decode(IReadOnlyList<byte[]> frames, string name)
    {
        string pcap = Path.Combine(Path.GetTempPath(), $"rawscan-{name}-{Environment.ProcessId}-{Guid.NewGuid():N}.pcap");
        try
        {
            using (var sink = new PcapFileSink(pcap))
            {
                var batch = new FrameBatch(frames.Count, Math.Max(FrameBatch.DefaultStride, frames.Max(f => f.Length)));
                foreach (var f in frames)
                {
                    f.CopyTo(batch.Next());
                    batch.Commit(f.Length);
                }
                Assert.Equal(frames.Count, sink.Send(batch));
            }
            // stderr is ignored unless the exit code says it failed (as root tshark warns about it).
            string pdml = Exec.Run("tshark", "-r", pcap, "-T", "pdml",
                "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE");
            Assert.DoesNotContain("Malformed", pdml);
            Assert.DoesNotContain("_ws.malformed", pdml);
            Assert.DoesNotContain("Expert Info (Error", pdml);
            var packets = XDocument.Parse(pdml).Root!.Elements("packet")
                .Select(p => new Decoded(p.Descendants("field").ToLookup(
                    f => (string?)f.Attribute("name") ?? "",
                    f => ((string?)f.Attribute("show") ?? "", (string?)f.Attribute("value") ?? ""))))
                .ToList();
            Assert.Equal(frames.Count, packets.Count);
            return packets;
        }
        finally { File.Delete(pcap); }
    }
}
