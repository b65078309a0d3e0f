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
/// <para>
/// An open port's result with its banner finding (--banners, <see cref="OnService"/>) is one
/// variable-length record: the same 36 bytes with <see cref="ServiceMark"/> set in the protocol byte,
/// then the payload's length (4) and the payload: the method (1), nine strings (service, product,
/// version, info, tunnel, TLS subject, TLS issuer, hello, recogniser; each a 2-byte UTF-8 length,
/// 0xFFFF for null, and its bytes), the banner (a 4-byte length and its bytes). A reader from before
/// findings existed sees a protocol that is neither TCP nor UDP and calls the journal damaged: it
/// refuses it, never misreads it. A reader walks the records from the header; a record that runs
/// past the length the place counts on is damage, as a cut record past it (a kill mid-write) is never
/// read: <see cref="Continue"/> cuts it off.
/// </para>
/// </remarks>
public sealed class ResultJournal : IResultSink, IDisposable
{
    public const int HeaderLength = 16, RecordLength = 36;

    /// <summary>Set in a record's protocol byte: a finding follows (a length and a payload).</summary>
    public const byte ServiceMark = 0x80;

    /// <summary>A finding's payload is at most this long (a banner of 1 MiB and its strings): a longer length is damage.</summary>
    public const int MaxPayload = 1 << 21;

    private const int StringCount = 9;
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
        if (_buffer.Length - _used < RecordLength) WriteBuffered();       // a finding's record may have left less than one
        Write(_buffer.AsSpan(_used, RecordLength), r);
        _used += RecordLength;
    }

    /// <summary>
    /// Buffers an open port's result with its finding, as one record (see the remarks). No allocation
    /// but for a finding larger than the buffer (a --banner-bytes of more than ~288 KB).
    /// </summary>
    public void OnService(in PortResult r, ServiceFinding service)
    {
        if (service is null) { OnResult(r); return; }
        int size = RecordLength + 4 + PayloadLength(service);
        if (_buffer.Length - _used < size) WriteBuffered();
        if (size > _buffer.Length)
        {
            var big = new byte[size];
            WriteService(big, r, service);
            try { _file.Write(big); }
            catch (IOException e) { _failed = true; throw Named(e); }
            return;
        }
        WriteService(_buffer.AsSpan(_used, size), r, service);
        _used += size;
    }

    private static int PayloadLength(ServiceFinding f)
    {
        int n = 1 + 2 * StringCount + 4 + Math.Min(f.Banner.Length, MaxPayload / 2);
        foreach (var s in Strings(f)) if (s is not null) n += Utf8Length(s);
        return n;
    }

    private static string?[] Strings(ServiceFinding f) =>
        [f.Service, f.Product, f.Version, f.Info, f.Tunnel, f.TlsSubject, f.TlsIssuer, f.Hello, f.Recogniser];

    /// <summary>A string's bytes in the record: UTF-8, cut to what a 2-byte length holds (a certificate subject is far shorter).</summary>
    private static int Utf8Length(string s) => System.Text.Encoding.UTF8.GetByteCount(Cut(s));

    private static ReadOnlySpan<char> Cut(string s) => s.AsSpan(0, Math.Min(s.Length, 0xFFFE / 3));

    private static void WriteService(Span<byte> b, in PortResult r, ServiceFinding f)
    {
        Write(b, r);
        b[18] |= ServiceMark;
        BinaryPrimitives.WriteInt32LittleEndian(b[RecordLength..], b.Length - RecordLength - 4);
        int at = RecordLength + 4;
        b[at++] = (byte)f.Method;
        WriteString(b, ref at, f.Service);
        WriteString(b, ref at, f.Product);
        WriteString(b, ref at, f.Version);
        WriteString(b, ref at, f.Info);
        WriteString(b, ref at, f.Tunnel);
        WriteString(b, ref at, f.TlsSubject);
        WriteString(b, ref at, f.TlsIssuer);
        WriteString(b, ref at, f.Hello);
        WriteString(b, ref at, f.Recogniser);
        int banner = Math.Min(f.Banner.Length, MaxPayload / 2);
        BinaryPrimitives.WriteInt32LittleEndian(b[at..], banner);
        f.Banner.AsSpan(0, banner).CopyTo(b[(at + 4)..]);
    }

    private static void WriteString(Span<byte> b, ref int at, string? s)
    {
        if (s is null)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(b[at..], 0xFFFF);
            at += 2;
            return;
        }
        int n = System.Text.Encoding.UTF8.GetBytes(Cut(s), b[(at + 2)..]);
        BinaryPrimitives.WriteUInt16LittleEndian(b[at..], (ushort)n);
        at += 2 + n;
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
    public static IEnumerable<PortResult> Read(string path, ulong seed, long length) => ReadEntries(path, seed, length).Select(e => e.Result);

    /// <summary>
    /// As <see cref="Read"/>, each result with the finding its record carries (null for a plain record):
    /// what a resumed scan replays into its reports (<see cref="IResultSink.OnService"/> for those with one).
    /// </summary>
    /// <exception cref="InvalidDataException">Another scan's journal, or damaged (a record that is not one, or runs past <paramref name="length"/>).</exception>
    public static IEnumerable<ReportEntry> ReadEntries(string path, ulong seed, long length)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        CheckHeader(file, path, seed, length);
        file.Seek(HeaderLength, SeekOrigin.Begin);
        var records = new Records(file, path, length);
        while (records.Next() is { } entry) yield return entry;
    }

    /// <summary>Walks the records of a journal through one buffer (bulk reads, as the fixed records were read), a record never split.</summary>
    private sealed class Records(FileStream file, string path, long length)
    {
        private byte[] _buffer = new byte[RecordLength * 4096];
        private int _start, _end;
        private long _at = HeaderLength;                 // the file offset of _buffer[_start]
        private long _left = length - HeaderLength;      // bytes counted on and not yet read

        public ReportEntry? Next()
        {
            if (_start == _end && _left == 0) return null;
            Need(RecordLength);
            var b = _buffer.AsSpan(_start, RecordLength);
            byte proto = b[18];
            var plain = (proto & ServiceMark) == 0;
            if (!plain) b[18] = (byte)(proto & ~ServiceMark);
            var r = ReadRecord(b);
            b[18] = proto;
            if (r.Protocol is not (Protocol.Tcp or Protocol.Udp) || (byte)r.State > (byte)PortState.OpenFiltered) throw Damaged(0);
            if (plain)
            {
                Advance(RecordLength);
                return new ReportEntry(r, null);
            }
            Need(RecordLength + 4);
            int payload = BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(_start + RecordLength));
            if (payload < 1 + 2 * StringCount + 4 || payload > MaxPayload) throw Damaged(RecordLength);
            Need(RecordLength + 4 + payload);
            var f = ReadFinding(_buffer.AsSpan(_start + RecordLength + 4, payload)) ?? throw Damaged(RecordLength + 4);
            Advance(RecordLength + 4 + payload);
            return new ReportEntry(r, f);
        }

        private void Advance(int n)
        {
            _start += n;
            _at += n;
        }

        /// <summary>At least <paramref name="n"/> bytes of the record at _start in the buffer, or damage: the record runs past the length counted on.</summary>
        private void Need(int n)
        {
            if (_end - _start >= n) return;
            if (n > _buffer.Length) Array.Resize(ref _buffer, n);
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
            while (_end < n && _left > 0)
            {
                int want = (int)Math.Min(_buffer.Length - _end, _left);
                file.ReadExactly(_buffer, _end, want);
                _end += want;
                _left -= want;
            }
            if (_end < n) throw Damaged(0);
        }

        private InvalidDataException Damaged(int offset) => new($"{path} is damaged at byte {_at + offset}");
    }

    /// <summary>A payload as a finding; null when its lengths do not add up to it.</summary>
    private static ServiceFinding? ReadFinding(ReadOnlySpan<byte> p)
    {
        if (p[0] > (byte)ServiceMethod.Probed) return null;
        int at = 1;
        var strings = new string?[StringCount];
        for (int i = 0; i < StringCount; i++)
        {
            if (at + 2 > p.Length) return null;
            ushort n = BinaryPrimitives.ReadUInt16LittleEndian(p[at..]);
            at += 2;
            if (n == 0xFFFF) continue;
            if (at + n > p.Length) return null;
            strings[i] = System.Text.Encoding.UTF8.GetString(p.Slice(at, n));
            at += n;
        }
        if (at + 4 > p.Length) return null;
        int banner = BinaryPrimitives.ReadInt32LittleEndian(p[at..]);
        at += 4;
        if (banner < 0 || at + banner != p.Length) return null;
        return new ServiceFinding
        {
            Method = (ServiceMethod)p[0], Service = strings[0], Product = strings[1], Version = strings[2], Info = strings[3], Tunnel = strings[4],
            TlsSubject = strings[5], TlsIssuer = strings[6], Hello = strings[7], Recogniser = strings[8], Banner = p.Slice(at, banner).ToArray(),
        };
    }

    private static void CheckHeader(FileStream file, string path, ulong seed, long length)
    {
        Span<byte> header = stackalloc byte[HeaderLength];
        // Whether the length ends on a record is known only by walking them (Read does; a resume reads its journal before it continues it).
        if (file.Length < length || length < HeaderLength)
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
