namespace RawScan.Transmit;

/// <summary>Takes every frame and drops it: a dry run that times the transmit path alone.</summary>
internal sealed class CountingSink : IFrameSink
{
    public string Name => "count";
    public long Frames { get; private set; }

    public int Send(FrameBatch batch)
    {
        Frames += batch.Count;
        return batch.Count;
    }

    public void Dispose() { }
}
