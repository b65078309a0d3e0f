namespace RawScan;

/// <summary>
/// Live counters, written by the send and receive threads and read by whoever shows progress. Each
/// field has one writer; readers use Volatile/Interlocked reads, so no lock is ever taken.
/// </summary>
public sealed class ScanCounters
{
    public long ProbesPlanned;
    public long ProbesSent;
    public long FramesCaptured;
    public long Replies;          // proved ours by the cookie
    public long Duplicates;       // ours, but already reported
    public long Forged;           // addressed to us, failed the proof
    public long Malformed;        // truncated or inconsistent frames
    public long ArpAnswered;
    public long Open, Closed;
    public long KernelDrops;      // pcap_stats ps_drop: captured replies the kernel could not hand us
}
