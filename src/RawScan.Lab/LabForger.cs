using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using RawScan.Interop;
using RawScan.Lab.Internal;
using RawScan.Probes;
using RawScan.Routing;
using RawScan.Targets;
using RawScan.Transmit;

namespace RawScan.Lab;

/// <summary>
/// Hostile replies for the scanner to reject: SYN-ACKs and RSTs it never provoked, from random live
/// addresses and ports to its addresses and source ports, with random sequence and acknowledgement
/// numbers. Run by <c>rawscan lab forge</c> inside the target namespace, where real replies come from,
/// while a scan runs: every one of them must fail the cookie check, so a scan with the forger beside
/// it must report exactly what it reports without.
/// </summary>
public static class LabForger
{
    private const int EthernetLength = 14, IpLength = 20, TcpLength = 20;
    private const int FrameLength = EthernetLength + IpLength + TcpLength;
    private const byte SynAck = 0x12, RstAck = 0x14, Rst = 0x04;

    /// <summary>
    /// Sends forged replies out of the target's link at <paramref name="rate"/> packets per second
    /// until <paramref name="count"/> are sent, <paramref name="duration"/> has passed or
    /// <paramref name="ct"/> is cancelled, whichever is first.
    /// </summary>
    /// <remarks>
    /// Frames are written whole and sent on the link (AF_PACKET through the core's batched native
    /// sink, else libpcap), not through a raw IP socket: the kernel would then have to resolve the
    /// spare address, which answers ARP only while a scan using it runs, and would drop what it
    /// cannot resolve. The scanner's MAC is asked for by ARP, as the target's kernel does.
    /// </remarks>
    /// <param name="count">Packets to send; 0 or less for no limit.</param>
    /// <param name="duration">How long to send; <see cref="TimeSpan.Zero"/> or <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</param>
    /// <returns>How many packets were sent.</returns>
    /// <exception cref="InvalidOperationException">Not inside the lab's target namespace.</exception>
    /// <exception cref="LabException">The link could not be opened, or the scanner did not answer ARP.</exception>
    public static long Run(LabSpec spec, double rate, long count, TimeSpan duration, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!(rate > 0) || double.IsNaN(rate)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "must be positive");
        // Anywhere else these frames would go onto a real network: only the lab's link is allowed.
        var here = Exec.Run("ip", "netns", "identify").Split('\n', StringSplitOptions.TrimEntries);
        if (!here.Contains(spec.TargetNamespace))
            throw new InvalidOperationException($"the forger runs only inside network namespace {spec.TargetNamespace} ('rawscan lab forge' starts it there)");

        string iface = spec.TargetInterface;
        var nic = NetInterface.Find(iface) ?? throw new LabException($"no interface {iface} in {spec.TargetNamespace}");
        IFrameSink sink;
        byte[] scannerMac;
        try
        {
            var capture = PcapDevice.Open(iface, new PcapOptions { TimeoutMs = 50 });
            try
            {
                scannerMac = Arp.Resolve(capture, nic.Mac, spec.Gateway, spec.ScannerAddress)
                    ?? throw new LabException($"{Ipv4.Format(spec.ScannerAddress)} did not answer ARP on {iface}");
            }
            catch
            {
                capture.Dispose();
                throw;
            }
            if (NativeSink.TryOpen(iface, qdiscBypass: false, out _) is NativeSink native)
            {
                capture.Dispose();
                sink = native;
            }
            else sink = new PcapSink(capture);
        }
        catch (PcapException e)
        {
            throw new LabException(e.Message, e);
        }

        using (sink)
        {
            var forge = new Forge(spec, nic.Mac, scannerMac);
            var limiter = new RateLimiter(rate);
            var batch = new FrameBatch(limiter.BatchSize);
            long limit = count > 0 ? count : long.MaxValue;
            long end = duration > TimeSpan.Zero ? Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
            long sent = 0;
            // One clock read per batch (in the limiter and here): at 10k pps a batch is 5 frames, 0.5 ms.
            while (sent < limit && !ct.IsCancellationRequested && Stopwatch.GetTimestamp() < end)
            {
                batch.Clear();
                int n = (int)Math.Min(batch.Capacity, limit - sent);
                for (int i = 0; i < n; i++) batch.Commit(forge.Write(batch.Next()));
                limiter.Acquire(n, ct);
                if (ct.IsCancellationRequested) break;
                sent += sink.Send(batch);
            }
            return sent;
        }
    }

    /// <summary>Writes one forged reply per call; all randomness from one xorshift state seeded at random.</summary>
    private sealed class Forge(LabSpec spec, byte[] ourMac, byte[] scannerMac)
    {
        private readonly ushort[] _openPorts = [.. spec.TcpOpenPorts];
        private readonly uint[] _destinations = [spec.ScannerAddress, spec.SpareAddress];
        private readonly PortSet _scannerPorts = spec.ScannerSourcePorts;
        private readonly uint _liveFirst = spec.LiveRange.First;
        private readonly ulong _liveCount = spec.LiveRange.Count;
        private ulong _state = BinaryPrimitives.ReadUInt64LittleEndian(RandomNumberGenerator.GetBytes(8)) | 1;

        private ulong Next()
        {
            // xorshift64*: statistically fine for traffic, and no allocation or lock per packet.
            _state ^= _state >> 12;
            _state ^= _state << 25;
            _state ^= _state >> 27;
            return _state * 0x2545F4914F6CDD1DUL;
        }

        public int Write(Span<byte> f)
        {
            ulong r1 = Next(), r2 = Next(), r3 = Next();
            uint src = _liveFirst + (uint)((r1 & 0xffffffff) % _liveCount);
            uint dst = _destinations[(r1 >> 32) & 1];
            // Mostly the lab's open ports, where a real SYN-ACK would come from; a quarter anything.
            ushort srcPort = ((r1 >> 33) & 3) != 0 ? _openPorts[(int)((r1 >> 40) % (ulong)_openPorts.Length)] : (ushort)(1 + (r3 >> 32) % 65535);
            ushort dstPort = _scannerPorts[(int)((r3 & 0xffffffff) % (ulong)_scannerPorts.Count)];
            // Half SYN-ACK, a quarter RST+ACK (a closed port's answer), a quarter bare RST.
            byte flags = (r2 & 3) switch { 0 or 1 => SynAck, 2 => RstAck, _ => Rst };
            uint seq = (uint)(r2 >> 32), ack = flags == Rst ? 0 : (uint)Next();

            scannerMac.CopyTo(f);
            ourMac.CopyTo(f[6..]);
            BinaryPrimitives.WriteUInt16BigEndian(f[12..], 0x0800);

            var ip = f.Slice(EthernetLength, IpLength);
            ip[0] = 0x45;
            ip[1] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], IpLength + TcpLength);
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(r2 >> 8));   // id
            BinaryPrimitives.WriteUInt16BigEndian(ip[6..], 0x4000);              // DF
            ip[8] = 64;
            ip[9] = 6;
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], 0);
            BinaryPrimitives.WriteUInt32BigEndian(ip[12..], src);
            BinaryPrimitives.WriteUInt32BigEndian(ip[16..], dst);
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum.Compute(ip));

            var tcp = f.Slice(EthernetLength + IpLength, TcpLength);
            BinaryPrimitives.WriteUInt16BigEndian(tcp, srcPort);
            BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], dstPort);
            BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], seq);
            BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], ack);
            tcp[12] = (TcpLength / 4) << 4;
            tcp[13] = flags;
            BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], flags == SynAck ? (ushort)64240 : (ushort)0); // window
            BinaryPrimitives.WriteUInt32BigEndian(tcp[16..], 0);                                           // checksum, urgent
            ulong sum = Checksum.Add(tcp, Checksum.PseudoHeader(src, dst, 6, TcpLength));
            BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], Checksum.Finish(sum));
            return FrameLength;
        }
    }
}
