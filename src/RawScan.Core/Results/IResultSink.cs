namespace RawScan.Results;

/// <summary>Receives results as they are found, on the receive thread: implementations must not block for long.</summary>
public interface IResultSink
{
    void OnResult(in PortResult result);

    /// <summary>
    /// An open TCP port's result with what its banner showed (--banners): comes instead of <see cref="OnResult"/>
    /// for that port, once its connection has ended. A sink that has no place for services takes the result alone.
    /// </summary>
    void OnService(in PortResult result, ServiceFinding service) => OnResult(result);

    /// <summary>
    /// The receive loop's tick, on the receive thread: every 32 captured frames with the capture's
    /// time, and whenever the capture is empty (at most every 10 ms) with the clock's; wall-clock
    /// microseconds. A streamed report flushes here what trickled in: no timer thread, no lock and
    /// no clock read per result.
    /// </summary>
    void Tick(long wallMicros) { }
}
