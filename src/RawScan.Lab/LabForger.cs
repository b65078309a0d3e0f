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
    public static long Run(LabSpec spec, double rate, long count, TimeSpan duration, CancellationToken ct, bool udp = false)
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
            var forge = new Forge(spec, nic.Mac, scannerMac, udp);
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
    private sealed class Forge(LabSpec spec, byte[] ourMac, byte[] scannerMac, bool udp)
    {
        private readonly ushort[] _udpPorts = [.. spec.UdpOpenPorts];
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

        public int Write(Span<byte> f) => udp ? WriteUdpOrIcmp(f) : WriteTcp(f);

        private int WriteTcp(Span<byte> f)
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

        /// <summary>
        /// --udp: three in four are UDP "answers" from the lab's UDP ports (a DNS response to
        /// version.bind with a random ID and letter case, or random bytes), one in four an ICMP port
        /// unreachable quoting a made-up UDP probe of the scanner's. Both must fail the scanner's proof.
        /// </summary>
        private int WriteUdpOrIcmp(Span<byte> f)
        {
            ulong r1 = Next(), r2 = Next(), r3 = Next();
            uint src = _liveFirst + (uint)((r1 & 0xffffffff) % _liveCount);
            uint dst = _destinations[(r1 >> 32) & 1];
            ushort scannerPort = _scannerPorts[(int)((r3 & 0xffffffff) % (ulong)_scannerPorts.Count)];
            ushort labPort = ((r1 >> 33) & 3) != 0 ? _udpPorts[(int)((r1 >> 40) % (ulong)_udpPorts.Length)] : (ushort)(1 + (r3 >> 32) % 65535);
            bool icmp = (r2 & 3) == 0;

            scannerMac.CopyTo(f);
            ourMac.CopyTo(f[6..]);
            BinaryPrimitives.WriteUInt16BigEndian(f[12..], 0x0800);
            var l4 = f[(EthernetLength + IpLength)..];
            int l4Length;
            if (icmp)
            {
                // Type 3 code 3, quoting an IPv4 + UDP header "from" the scanner to src:labPort.
                l4[0] = 3; l4[1] = 3;
                BinaryPrimitives.WriteUInt32BigEndian(l4[2..], 0);              // checksum (below), unused
                BinaryPrimitives.WriteUInt16BigEndian(l4[6..], 0);
                var q = l4[8..];
                q[0] = 0x45; q[1] = 0;
                BinaryPrimitives.WriteUInt16BigEndian(q[2..], 28 + 30);
                BinaryPrimitives.WriteUInt32BigEndian(q[4..], (uint)(r2 >> 8));
                q[8] = 64; q[9] = 17;
                BinaryPrimitives.WriteUInt16BigEndian(q[10..], 0);
                BinaryPrimitives.WriteUInt32BigEndian(q[12..], dst);
                BinaryPrimitives.WriteUInt32BigEndian(q[16..], src);
                BinaryPrimitives.WriteUInt16BigEndian(q[10..], Checksum.Compute(q[..20]));
                BinaryPrimitives.WriteUInt16BigEndian(q[20..], scannerPort);
                BinaryPrimitives.WriteUInt16BigEndian(q[22..], labPort);
                BinaryPrimitives.WriteUInt16BigEndian(q[24..], 8 + 30);
                BinaryPrimitives.WriteUInt16BigEndian(q[26..], (ushort)(r2 >> 40));  // a checksum the scanner never sent
                l4Length = 8 + 28;
                BinaryPrimitives.WriteUInt16BigEndian(l4[2..], Checksum.Compute(l4[..l4Length]));
            }
            else
            {
                int payload = labPort == 53 ? WriteDnsAnswer(l4[8..], r2, r3) : WriteNoise(l4[8..], r2);
                l4Length = 8 + payload;
                BinaryPrimitives.WriteUInt16BigEndian(l4, labPort);
                BinaryPrimitives.WriteUInt16BigEndian(l4[2..], scannerPort);
                BinaryPrimitives.WriteUInt16BigEndian(l4[4..], (ushort)l4Length);
                BinaryPrimitives.WriteUInt16BigEndian(l4[6..], 0);
                ushort sum = Checksum.Finish(Checksum.Add(l4[..l4Length], Checksum.PseudoHeader(src, dst, 17, l4Length)));
                BinaryPrimitives.WriteUInt16BigEndian(l4[6..], sum == 0 ? (ushort)0xffff : sum);
            }

            var ip = f.Slice(EthernetLength, IpLength);
            ip[0] = 0x45; ip[1] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(IpLength + l4Length));
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(r1 >> 48));
            BinaryPrimitives.WriteUInt16BigEndian(ip[6..], 0);
            ip[8] = 64;
            ip[9] = (byte)(icmp ? 1 : 17);
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], 0);
            BinaryPrimitives.WriteUInt32BigEndian(ip[12..], src);
            BinaryPrimitives.WriteUInt32BigEndian(ip[16..], dst);
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum.Compute(ip));
            return EthernetLength + IpLength + l4Length;
        }

        /// <summary>A DNS response to a version.bind CHAOS TXT query, with a random ID and random letter case: what a guesser would send.</summary>
        private static int WriteDnsAnswer(Span<byte> p, ulong r, ulong caseBits)
        {
            BinaryPrimitives.WriteUInt16BigEndian(p, (ushort)r);           // ID
            BinaryPrimitives.WriteUInt16BigEndian(p[2..], 0x8400);         // QR, AA
            BinaryPrimitives.WriteUInt16BigEndian(p[4..], 1);              // QDCOUNT
            p[6..12].Clear();
            int n = 12;
            p[n++] = 7;
            for (int i = 0; i < 7; i++, caseBits >>= 1) p[n++] = (byte)("version"[i] - ((caseBits & 1) != 0 ? 32 : 0));
            p[n++] = 4;
            for (int i = 0; i < 4; i++, caseBits >>= 1) p[n++] = (byte)("bind"[i] - ((caseBits & 1) != 0 ? 32 : 0));
            p[n++] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(p[n..], 16); n += 2;     // TXT
            BinaryPrimitives.WriteUInt16BigEndian(p[n..], 3); n += 2;      // CHAOS
            return n;
        }

        private static int WriteNoise(Span<byte> p, ulong r)
        {
            for (int i = 0; i < 24; i++, r = (r >> 8) | (r << 56)) p[i] = (byte)r;
            return 24;
        }
    }
}
