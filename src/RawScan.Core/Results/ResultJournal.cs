using System.Buffers.Binary;
namespace RawScan.Results;

/// <summary>
/// Every result a scan has settled, appended as fixed 36-byte records: what a scan killed outright
/// (SIGKILL, a power cut) is resumed from, with its position (<see cref="ICheckpoint"/>). A checkpoint
/// writes the buffered records and syncs them to disk before the position that counts on them is
/// saved, so the position file only ever names a length of the journal that is on disk; anything past
/// it (a record cut in half by the kill, or never synced) is cut off on resume and probed again.
/// </summary>
/// <remarks>
/// Binary, not text: a record is written as it is, with no formatting on the receive thread (a /16 x
/// 1000 ports settles 65M results), and 36 bytes a result (a JSON line is ~150). It holds every state,
/// not only those shown: a resumed scan renders its XML, grepable and HTML reports, whose per-host
/// counts of closed and filtered ports need them all, for the whole scan.
/// Layout: a 16-byte header ("RSJ2", 4 reserved, the scan's seed), then records, little-endian:
/// address (16: IPv4 as ::ffff:a.b.c.d, see Targets.Ip), port (2), protocol, state, TTL, reason (1
/// each), 2 reserved, RTT in microseconds (4), timestamp in wall-clock microseconds (8).
/// </remarks>
public sealed class ResultJournal : IResultSink, IDisposable
{
    public const int HeaderLength = 16, RecordLength = 36;
    private static ReadOnlySpan<byte> Magic => "RSJ2"u8;

    private readonly FileStream _file;
    private readonly byte[] _buffer = new byte[RecordLength * 8192];
    private int _used;
    private bool _failed;               // a write failed: the file lacks results, and no place may count on it again

    private ResultJournal(FileStream file) => _file = file;

    /// <summary>The journal's length on disk as of the last <see cref="Commit"/> (or open).</summary>
    public long Committed { get; private set; }

    public string Path => _file.Name;

    /// <summary>Starts a journal for a new scan, replacing any file at <paramref name="path"/>.</summary>
    public static ResultJournal Create(string path, ulong seed)
    {
        var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read, 1, FileOptions.None);
        Span<byte> header = stackalloc byte[HeaderLength];
        header.Clear();
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt64LittleEndian(header[8..], seed);
        file.Write(header);
        file.Flush(flushToDisk: true);
        return new ResultJournal(file) { Committed = HeaderLength };
    }

    /// <summary>
    /// Continues a resumed scan's journal: cut to <paramref name="length"/> (what its last checkpoint
    /// counted on), so what was written after it, whole or not, is neither kept nor read twice.
    /// </summary>
    public static ResultJournal Continue(string path, ulong seed, long length)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, 1, FileOptions.None);
        try
        {
            CheckHeader(file, path, seed, length);
            file.SetLength(length);
            file.Flush(flushToDisk: true);
            file.Seek(length, SeekOrigin.Begin);
            return new ResultJournal(file) { Committed = length };
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Buffers one result (the receive thread's; no allocation, no system call but one write per 8,192 results).</summary>
    public void OnResult(in PortResult r)
    {
        if (_used == _buffer.Length) WriteBuffered();
        Write(_buffer.AsSpan(_used, RecordLength), r);
        _used += RecordLength;
    }

    /// <summary>Writes what is buffered (not yet synced); returns the journal's length, which a place may count on once <see cref="Commit"/> has synced it.</summary>
    public long Flush()
    {
        if (_failed) throw new IOException($"{_file.Name}: an earlier write failed, so it lacks results");
        WriteBuffered();
        return _file.Position;
    }

    /// <summary>
    /// Syncs the journal to disk, at least up to <paramref name="mark"/> (a <see cref="Flush"/>'s length),
    /// and returns that length: a place saved after this may count on it. A failure (a full disk) stops
    /// the scan like any report's, and the last place saved still stands.
    /// </summary>
    public long Commit(long mark)
    {
        if (_failed) throw new IOException($"{_file.Name}: an earlier write failed, so it lacks results");
        try { _file.Flush(flushToDisk: true); }
        catch (IOException e) { _failed = true; throw Named(e); }
        return Committed = mark;
    }

    /// <summary>A failure is an IOException naming the file: a report sink's failure, which stops the scan.</summary>
    private void WriteBuffered()
    {
        if (_used == 0 || _failed) return;
        try { _file.Write(_buffer, 0, _used); }
        catch (IOException e) { _failed = true; throw Named(e); }
        finally { _used = 0; }
    }

    private IOException Named(IOException e) => new($"{_file.Name}: {e.Message}", e);

    public void Dispose() => _file.Dispose();

    /// <summary>Deletes a finished scan's journal.</summary>
    public void Delete()
    {
        _file.Dispose();
        File.Delete(_file.Name);
    }

    /// <summary>The results of the first <paramref name="length"/> bytes of a journal, in the order they were settled.</summary>
    public static IEnumerable<PortResult> Read(string path, ulong seed, long length)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        CheckHeader(file, path, seed, length);
        file.Seek(HeaderLength, SeekOrigin.Begin);
        var buffer = new byte[RecordLength * 4096];
        long left = length - HeaderLength;
        while (left > 0)
        {
            int want = (int)Math.Min(buffer.Length, left);
            file.ReadExactly(buffer, 0, want);
            for (int i = 0; i < want; i += RecordLength)
            {
                var r = ReadRecord(buffer.AsSpan(i, RecordLength));
                if (r.Protocol is not (Protocol.Tcp or Protocol.Udp) || (byte)r.State > (byte)PortState.OpenFiltered)
                    throw new InvalidDataException($"{path} is damaged at byte {length - left + i}");
                yield return r;
            }
            left -= want;
        }
    }

    private static void CheckHeader(FileStream file, string path, ulong seed, long length)
    {
        Span<byte> header = stackalloc byte[HeaderLength];
        if (file.Length < length || length < HeaderLength || (length - HeaderLength) % RecordLength != 0)
            throw new InvalidDataException($"{path} is shorter than its resume file says ({file.Length} of {length} bytes): it is not this scan's journal, or was damaged");
        file.Seek(0, SeekOrigin.Begin);
        file.ReadExactly(header);
        if (!header[..4].SequenceEqual(Magic) || BinaryPrimitives.ReadUInt64LittleEndian(header[8..]) != seed)
            throw new InvalidDataException($"{path} is not this scan's journal");
    }

    internal static void Write(Span<byte> b, in PortResult r)
    {
        BinaryPrimitives.WriteUInt128LittleEndian(b, r.Address);
        BinaryPrimitives.WriteUInt16LittleEndian(b[16..], r.Port);
        b[18] = (byte)r.Protocol;
        b[19] = (byte)r.State;
        b[20] = r.Ttl;
        b[21] = (byte)r.Reason;
        b[22] = b[23] = 0;
        BinaryPrimitives.WriteUInt32LittleEndian(b[24..], r.RttMicros);
        BinaryPrimitives.WriteInt64LittleEndian(b[28..], r.TimestampMicros);
    }

    internal static PortResult ReadRecord(ReadOnlySpan<byte> b) =>
        new(BinaryPrimitives.ReadUInt128LittleEndian(b), (Protocol)b[18], BinaryPrimitives.ReadUInt16LittleEndian(b[16..]), (PortState)b[19], b[20],
            BinaryPrimitives.ReadInt64LittleEndian(b[28..]), (PortReason)b[21], BinaryPrimitives.ReadUInt32LittleEndian(b[24..]));
}
