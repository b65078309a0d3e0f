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
    public long Malformed;        // inconsistent frames, or cut inside their headers
    public long Truncated;        // cut by the capture's snap length after whole headers: still matched
    public long ArpAnswered;
    public long Open, Closed;
    public long Filtered;         // TCP given up: written by the send thread and, after the scan, the caller
    public long OpenFiltered;     // UDP given up: likewise
    public long FilteredByIcmp;   // receive thread: ICMP unreachable quoting our probe (not port unreachable for UDP)
    public long Retransmits;
    public long Late;             // proved ours, but the probe was no longer in flight (given up)
    public long ResetsSent;       // --reset
    public long KernelDrops;
    public long AnsweredFirstTry;  // receive thread: probes answered on their first try
    public long AnsweredSecondTry; // receive thread: answered on their second (the first lost, or late): the loss estimate's numerator
    public long SecondChances;    // --rate auto: probes silent through a period of loss, sent once more at the settled rate
    public double CurrentRate;    // the send thread's rate now (--rate auto changes it); +inf for max
    public long SmoothedRttMicros; // the send thread's copy of the smoothed RTT, for the progress line

    /// <summary>
    /// The share of probes lost on the path, estimated from retransmissions: a probe answered on its
    /// second try lost its first (or its answer came late). With independent losses at rate q, second-try
    /// answers are q times first-try ones. Null until there is something to go on.
    /// </summary>
    public double? LossEstimate
    {
        get
        {
            long first = Volatile.Read(ref AnsweredFirstTry), second = Volatile.Read(ref AnsweredSecondTry);
            return first + second < 20 ? null : Math.Clamp((double)second / Math.Max(1, first), 0, 1);
        }
    }      // pcap_stats ps_drop: captured replies the kernel could not hand us

    /// <summary>Every probe of this run has had its answer (read without locks: each counter has one writer); false before a plan is set.</summary>
    public bool AllAnswered => ProbesPlanned > 0 &&
        Volatile.Read(ref Open) + Volatile.Read(ref Closed) + Volatile.Read(ref FilteredByIcmp) >= ProbesPlanned;
}
