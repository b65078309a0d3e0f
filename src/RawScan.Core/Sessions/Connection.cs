using RawScan.Banners;
using RawScan.Results;

namespace RawScan.Sessions;

/// <summary>Where a banner connection is in its life.</summary>
internal enum ConnectionPhase : byte
{
    Free,
    /// <summary>
    /// The SYN-ACK came while every banner buffer was busy: the handshake is left half done (the server
    /// keeps it, resending its SYN-ACK, for about a minute) until a buffer frees, then our ACK completes it.
    /// </summary>
    Waiting,
    /// <summary>Our SYN of a follow-up connection is out (a step after the first that needs a fresh connection).</summary>
    SynSent,
    Established,
}

/// <summary>
/// The little a banner connection needs: the four-tuple, the sequence numbers of both sides, how much of
/// the banner is in, which step of the port's plan is running, its timers, and the open result it will
/// report. The bytes themselves live in the table's slab, at the slot's offset.
/// </summary>
internal struct Connection
{
    public UInt128 Address;
    public ushort Port;            // the target's
    public ushort SourcePort;      // ours
    public ConnectionPhase Phase;
    public byte Step;              // index into Plan.Steps
    public byte Tries;             // sends of the current SYN or hello
    public bool PeerClosed;        // a FIN or RST came: nothing more will
    public bool PeerReset;         // it was a RST: the connection is gone on their side, nothing to close
    public uint Iss;               // our SYN's sequence number (a follow-up connection's proof)
    public uint SndUna, SndNxt;    // ours: oldest unacknowledged, next to send
    public uint RcvNxt;            // theirs: next expected
    public int HelloLength;        // the data this connection sent (the step's hello), 0 for none
    public int Received;           // banner bytes kept in the slab
    public int Buffer;             // which of the slab's banner buffers is this connection's (not while Waiting)
    public long Deadline;          // Stopwatch ticks: the step's end, or the quiet gap after data
    public long RetransmitAt;      // Stopwatch ticks: when to send the SYN or hello again; 0: nothing to resend
    public ulong Position;         // the probe's position: a checkpoint keeps it unsettled until this ends
    public PortResult Result;      // the open result, reported with the finding when the connection ends
    public HelloPlan Plan;
    public ServiceFinding? Earlier;  // a finding a follow-up step (a fresh connection) adds to

    public readonly IHello? Hello => Plan.Steps[Step];
}
