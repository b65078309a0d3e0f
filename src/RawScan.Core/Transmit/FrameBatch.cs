using System.Runtime.CompilerServices;

namespace RawScan.Transmit;

/// <summary>
/// A batch of frames in one pinned buffer at a fixed stride: the unit that crosses to the sender,
/// so a native path can hand all of them to the kernel in one call (zmap send-linux.c, sendmmsg).
/// </summary>
public sealed class FrameBatch
{
    public const int DefaultStride = 128;

    private readonly byte[] _buffer;
    private readonly int[] _lengths;

    public FrameBatch(int capacity, int stride = DefaultStride)
    {
        Capacity = capacity;
        Stride = stride;
        _buffer = GC.AllocateArray<byte>(capacity * stride, pinned: true);
        _lengths = new int[capacity];
    }

    public int Capacity { get; }
    public int Stride { get; }
    public int Count { get; private set; }
    public bool IsFull => Count == Capacity;

    /// <summary>The pinned buffer: frame i starts at i * Stride.</summary>
    public byte[] Buffer => _buffer;
    public ReadOnlySpan<int> Lengths => _lengths.AsSpan(0, Count);

    /// <summary>The slot for the next frame; call <see cref="Commit"/> with its length once written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> Next() => _buffer.AsSpan(Count * Stride, Stride);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Commit(int length) => _lengths[Count++] = length;

    public ReadOnlySpan<byte> Frame(int i) => _buffer.AsSpan(i * Stride, _lengths[i]);

    public void Clear() => Count = 0;
}
