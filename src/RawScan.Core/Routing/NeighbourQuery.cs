using System.Diagnostics;
using RawScan.Interop;

namespace RawScan.Routing;

/// <summary>
/// Asking a neighbour for its MAC, either family's way (ARP, Neighbor Discovery): send the request,
/// read what the filter lets through until an answer or the wait passes, a few times. The handle is
/// read without blocking and the wait is our own poll: libpcap's own read of a TPACKET_V3 ring waited
/// past its timeout, forever when the first request went unanswered (a mixed IPv4 and IPv6 scan hung).
/// </summary>
internal static class NeighbourQuery
{
    /// <summary>The MAC an answer gives, or null when the frame is not the answer.</summary>
    public delegate byte[]? ReadAnswer(ReadOnlySpan<byte> frame);

    /// <param name="what">What the request is, for the error when it cannot be sent ("ARP request").</param>
    public static byte[]? Ask(PcapDevice dev, string filter, ReadOnlySpan<byte> request, string what, ReadAnswer answer, int tries, int waitMs)
    {
        dev.SetFilter(filter);
        for (int t = 0; t < tries; t++)
        {
            if (!dev.Inject(request)) throw new PcapException($"cannot send {what} on {dev.Interface}: {dev.LastInjectError}");
            var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * waitMs / 1000;
            while (Stopwatch.GetTimestamp() < deadline)
            {
                if (dev.Next(out var reply, out _) != PullResult.Packet)
                {
                    dev.Wait(10);
                    continue;
                }
                if (answer(reply) is { } mac) return mac;
            }
        }
        return null;
    }
}
