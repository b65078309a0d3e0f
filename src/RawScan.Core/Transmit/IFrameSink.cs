namespace RawScan.Transmit;

/// <summary>Where frames go: a NIC through libpcap, the native batched path, a pcap file, or nowhere.</summary>
public interface IFrameSink : IDisposable
{
    string Name { get; }

    /// <summary>Sends every frame of the batch; returns how many the interface took.</summary>
    int Send(FrameBatch batch);
}

/// <summary>A sink that waits when the local send queue is full (ENOBUFS) counts how often: --rate auto reads it as congestion.</summary>
public interface ICountsBackpressure
{
    long Backpressure { get; }
}
