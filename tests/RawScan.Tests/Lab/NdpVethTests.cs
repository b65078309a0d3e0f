using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using RawScan.Lab.Internal;
using RawScan.Routing;
using RawScan.Targets;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// <see cref="Ndp"/> against a real Linux IPv6 stack, without a lab: two throwaway network namespaces
/// joined by a veth pair, global addresses added with nodad so they work at once. Our frames go out of
/// an AF_PACKET socket opened by a thread that has entered the first namespace (setns), and the
/// kernel of the second answers them: our solicitation draws its advertisement, which our parser
/// reads (and <see cref="Ndp.Resolve"/>, over a libpcap handle opened the same way, returns); its solicitation for a spare address nobody owns is answered by <see cref="Ndp.Answer"/>,
/// and its neighbour table then holds our (made-up) MAC for that address. Nothing leaves the two
/// namespaces, which are deleted whatever happens.
/// </summary>
public sealed partial class NdpVethTests : IDisposable
{
    private readonly string _a, _b;
    private static readonly UInt128 AddressA = Ipv6.Parse("2001:db8:ff::2"), AddressB = Ipv6.Parse("2001:db8:ff::1"), Spare = Ipv6.Parse("2001:db8:ff::99");
    private static readonly byte[] SpareMac = [0x02, 0x00, 0x5e, 0x00, 0x99, 0x99];

    public NdpVethTests()
    {
        string prefix = $"rawscan-ndptest-{Environment.ProcessId}-{Random.Shared.Next(1 << 16):x4}";
        (_a, _b) = (prefix + "-a", prefix + "-b");
        if (!LabFactAttribute.CanRun) return;
        try
        {
            foreach (var ns in new[] { _a, _b })
            {
                Exec.Run("ip", "netns", "add", ns);
                // DAD off for every address, link-local included, so nothing is tentative.
                Exec.Run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0", "net.ipv6.conf.all.accept_dad=0");
            }
            Exec.Run("ip", "-n", _a, "link", "add", "ndp0", "type", "veth", "peer", "name", "ndp1", "netns", _b);
            Exec.Run("ip", "-n", _a, "addr", "add", Ipv6.Format(AddressA) + "/64", "dev", "ndp0", "nodad");
            Exec.Run("ip", "-n", _b, "addr", "add", Ipv6.Format(AddressB) + "/64", "dev", "ndp1", "nodad");
            Exec.Run("ip", "-n", _a, "link", "set", "ndp0", "up");
            Exec.Run("ip", "-n", _b, "link", "set", "ndp1", "up");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var ns in new[] { _a, _b })
            if (Netns.List().Contains(ns))
            {
                Netns.KillAll([ns]);
                Exec.TryRun(null, ["ip", "netns", "del", ns]);
            }
    }

    private static byte[] MacOf(string ns, string iface)
    {
        var m = Regex.Match(Exec.Run("ip", "-n", ns, "-o", "link", "show", iface), @"link/ether ([0-9a-f:]{17})");
        Assert.True(m.Success);
        return Mac.Parse(m.Groups[1].Value);
    }

    /// <summary>Our solicitation for the peer's address, from an address the namespace owns: the peer's kernel advertises its MAC to us.</summary>
    [LabFact]
    public void TheKernelAnswersOurSolicitationWithAnAdvertisementWeRead()
    {
        byte[] ourMac = MacOf(_a, "ndp0"), theirMac = MacOf(_b, "ndp1");
        byte[]? advertised = null;
        bool solicited = false, overrides = false;
        InNamespace(_a, "ndp0", s =>
        {
            var socket = s!;
            var ns = new byte[Ndp.FrameLength];
            Ndp.WriteSolicitation(ns, ourMac, AddressA, AddressB);
            var buffer = new byte[2048];
            for (int attempt = 0; attempt < 3 && advertised is null; attempt++)
            {
                socket.Send(ns);
                var deadline = DateTime.UtcNow.AddSeconds(1);
                while (advertised is null && DateTime.UtcNow < deadline)
                {
                    int n = socket.Receive(buffer);
                    if (n > 0 && Ndp.TryRead(buffer.AsSpan(0, n), out var na) && na.Type == Ndp.NeighborAdvertisement && na.Target == AddressB)
                        (advertised, solicited, overrides) = (na.LinkLayerAddress.ToArray(), na.Solicited, na.Override);
                }
            }
        });
        Assert.NotNull(advertised);
        Assert.Equal(theirMac, advertised);
        Assert.True(solicited);
        Assert.True(overrides);
    }

    /// <summary>
    /// <see cref="Ndp.Resolve"/> itself, as a scan calls it: over a libpcap handle (opened from inside
    /// the namespace), it finds the peer's MAC.
    /// </summary>
    [LabFact]
    public void ResolveFindsThePeersMacOverPcap()
    {
        byte[] ourMac = MacOf(_a, "ndp0"), theirMac = MacOf(_b, "ndp1");
        byte[]? resolved = null;
        InNamespace(_a, null, _ =>
        {
            using var device = RawScan.Interop.PcapDevice.Open("ndp0", new RawScan.Interop.PcapOptions());
            resolved = Ndp.Resolve(device, ourMac, AddressA, AddressB);
        });
        Assert.Equal(theirMac, resolved);
    }

    /// <summary>
    /// The peer looks for a spare address nobody in either namespace owns (as a target looks for a
    /// scan's --source-ip): our answer, with a MAC no interface has, lands in its neighbour table.
    /// </summary>
    [LabFact]
    public void OurAdvertisementForASpareSourceLandsInTheKernelsNeighbourTable()
    {
        int answered = 0;
        using var ready = new ManualResetEventSlim();
        using var stop = new ManualResetEventSlim();
        var receiver = new Thread(() => InNamespace(_a, "ndp0", s =>
        {
            var socket = s!;
            ready.Set();
            var buffer = new byte[2048];
            var reply = new byte[Ndp.FrameLength];
            while (!stop.IsSet)
            {
                int n = socket.Receive(buffer);
                if (n <= 0) continue;
                int length = Ndp.Answer(buffer.AsSpan(0, n), SpareMac, Spare, reply);
                if (length > 0) { socket.Send(reply.AsSpan(0, length)); answered++; }
            }
        }));
        receiver.Start();
        try
        {
            Assert.True(ready.Wait(TimeSpan.FromSeconds(10)));
            // Nobody answers the echo itself: ping fails, but only after the kernel resolved the address.
            Exec.TryRun(null, ["ip", "netns", "exec", _b, "ping", "-6", "-c", "1", "-W", "1", Ipv6.Format(Spare)]);
        }
        finally
        {
            stop.Set();
            Assert.True(receiver.Join(TimeSpan.FromSeconds(10)));
        }
        Assert.True(answered > 0, "no solicitation for the spare address reached us");
        string neighbour = Exec.Run("ip", "-n", _b, "-6", "neigh", "show", Ipv6.Format(Spare), "dev", "ndp1");
        Assert.Matches($@"lladdr {Mac.Format(SpareMac)} (REACHABLE|STALE|DELAY|PROBE)", neighbour);
    }

    /// <summary>
    /// Runs <paramref name="work"/> with an AF_PACKET socket on <paramref name="iface"/> (none if null) of namespace
    /// <paramref name="ns"/>, on a thread of its own that enters the namespace (setns moves only the
    /// calling thread; a socket belongs to the namespace it was created in), and rethrows what it threw.
    /// </summary>
    private static void InNamespace(string ns, string? iface, Action<PacketSocket?> work)
    {
        Exception? failed = null;
        var t = new Thread(() =>
        {
            try
            {
                using (var handle = File.OpenHandle($"/run/netns/{ns}"))
                    if (SetNs((int)handle.DangerousGetHandle(), CLONE_NEWNET) != 0)
                        throw new InvalidOperationException($"setns({ns}): errno {Marshal.GetLastPInvokeError()}");
                using var socket = iface is null ? null : new PacketSocket(iface);
                work(socket);
            }
            catch (Exception e) { failed = e; }
        });
        t.Start();
        t.Join();
        if (failed is not null) throw new AggregateException(failed);
    }

    private const int CLONE_NEWNET = 0x40000000;

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);

    /// <summary>A raw AF_PACKET socket bound to one interface: whole Ethernet frames out and in, every protocol, a 200 ms receive timeout.</summary>
    private sealed unsafe partial class PacketSocket : IDisposable
    {
        private const int AF_PACKET = 17, SOCK_RAW = 3, ETH_P_ALL = 0x0003, SOL_SOCKET = 1, SO_RCVTIMEO = 20;
        private readonly int _fd;

        public PacketSocket(string iface)
        {
            ushort protocol = BinaryPrimitives.ReverseEndianness((ushort)ETH_P_ALL);
            _fd = Socket(AF_PACKET, SOCK_RAW, protocol);
            if (_fd < 0) throw new InvalidOperationException($"socket(AF_PACKET): errno {Marshal.GetLastPInvokeError()}");
            uint index = IfNameToIndex(iface);
            if (index == 0) throw new InvalidOperationException($"no interface {iface} here");
            Span<byte> sll = stackalloc byte[20];                                   // struct sockaddr_ll
            sll.Clear();
            BinaryPrimitives.WriteUInt16LittleEndian(sll, AF_PACKET);
            BinaryPrimitives.WriteUInt16LittleEndian(sll[2..], protocol);
            BinaryPrimitives.WriteInt32LittleEndian(sll[4..], (int)index);
            fixed (byte* p = sll)
                if (Bind(_fd, p, 20) != 0) throw new InvalidOperationException($"bind: errno {Marshal.GetLastPInvokeError()}");
            long* timeout = stackalloc long[2] { 0, 200_000 };                      // struct timeval
            if (SetSockOpt(_fd, SOL_SOCKET, SO_RCVTIMEO, timeout, 16) != 0) throw new InvalidOperationException("SO_RCVTIMEO");
        }

        public void Send(ReadOnlySpan<byte> frame)
        {
            fixed (byte* p = frame)
                if (SendFrame(_fd, p, (nuint)frame.Length, 0) != frame.Length)
                    throw new InvalidOperationException($"send: errno {Marshal.GetLastPInvokeError()}");
        }

        /// <summary>One frame, or 0 when none came within the timeout.</summary>
        public int Receive(Span<byte> buffer)
        {
            fixed (byte* p = buffer)
                return (int)Math.Max(0, Recv(_fd, p, (nuint)buffer.Length, 0));
        }

        public void Dispose() => Close(_fd);

        [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
        private static partial int Socket(int domain, int type, int protocol);

        [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
        private static partial int Bind(int fd, byte* address, uint length);

        [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
        private static partial int SetSockOpt(int fd, int level, int name, void* value, uint length);

        [LibraryImport("libc", EntryPoint = "if_nametoindex", StringMarshalling = StringMarshalling.Utf8)]
        private static partial uint IfNameToIndex(string name);

        [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
        private static partial nint SendFrame(int fd, byte* buffer, nuint length, int flags);

        [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
        private static partial nint Recv(int fd, byte* buffer, nuint length, int flags);

        [LibraryImport("libc", EntryPoint = "close")]
        private static partial int Close(int fd);
    }
}
