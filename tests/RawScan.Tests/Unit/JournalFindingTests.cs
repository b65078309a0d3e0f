using RawScan.Results;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// The journal keeps a --banners scan's findings: an open port's result and its finding are one
/// variable-length record, read back in order among the fixed ones; a record cut by a kill past the
/// place's length is never read; one that runs past the length counted on is damage; a reader from
/// before findings would refuse such a record (its protocol byte is neither TCP nor UDP), never misread it.
/// </summary>
public sealed class JournalFindingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rawscan-journal-findings-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static PortResult Result(int i) => new((uint)(0xC6120000 + i), i % 3 == 0 ? Protocol.Udp : Protocol.Tcp, (ushort)(i * 7),
        (PortState)(i % 4), (byte)(i % 250), 1_700_000_000_000_000 + i, (PortReason)(i % 12), (uint)(i * 13));

    private static ServiceFinding Finding(int i) => (i % 2 == 0 ? Findings.Ssh : Findings.HostileHttp) with
    {
        Version = $"v{i}", Banner = [.. Findings.Hostile, .. BitConverter.GetBytes(i)], TlsSubject = i % 5 == 0 ? "CN=é" : null,
    };

    private static void AssertSame(ServiceFinding a, ServiceFinding? b)
    {
        Assert.NotNull(b);
        Assert.Equal(a.Banner, b.Banner);
        Assert.Equal(a with { Banner = [] }, b with { Banner = [] });
    }

    [Fact]
    public void FindingsReadBackInOrderAmongPlainRecords()
    {
        string path = Path.Combine(_dir, "j");
        long length;
        using (var j = ResultJournal.Create(path, seed: 3))
        {
            for (int i = 0; i < 30_000; i++)                                      // past one buffer: records cross its end
                if (i % 4 == 1) j.OnService(Result(i), Finding(i)); else j.OnResult(Result(i));
            length = j.Commit(j.Flush());
        }
        var back = ResultJournal.ReadEntries(path, 3, length).ToList();
        Assert.Equal(30_000, back.Count);
        for (int i = 0; i < back.Count; i++)
        {
            Assert.Equal(Result(i), back[i].Result);
            if (i % 4 == 1) AssertSame(Finding(i), back[i].Service); else Assert.Null(back[i].Service);
        }
        Assert.Equal(Enumerable.Range(0, 30_000).Select(Result), ResultJournal.Read(path, 3, length));
    }

    [Fact]
    public void AResumedJournalKeepsItsFindingsAndDropsACutRecord()
    {
        string path = Path.Combine(_dir, "j");
        long mark;
        using (var j = ResultJournal.Create(path, seed: 7))
        {
            j.OnService(Result(1), Finding(1));
            j.OnResult(Result(2));
            mark = j.Commit(j.Flush());
            j.OnService(Result(3), Finding(3));                                    // after the place was saved
            j.Flush();
        }
        using (var f = new FileStream(path, FileMode.Open)) f.SetLength(f.Length - 10);   // and cut in half by the kill
        using (var j = ResultJournal.Continue(path, 7, mark))
        {
            j.OnService(Result(4), Finding(4));
            j.Commit(j.Flush());
        }
        var back = ResultJournal.ReadEntries(path, 7, new FileInfo(path).Length).ToList();
        Assert.Equal([Result(1), Result(2), Result(4)], back.Select(e => e.Result));
        AssertSame(Finding(1), back[0].Service);
        Assert.Null(back[1].Service);
        AssertSame(Finding(4), back[2].Service);
    }

    [Fact]
    public void ARecordRunningPastTheLengthCountedOnIsDamage()
    {
        string path = Path.Combine(_dir, "j");
        long whole;
        using (var j = ResultJournal.Create(path, seed: 7))
        {
            j.OnResult(Result(2));
            j.OnService(Result(1), Finding(1));
            whole = j.Commit(j.Flush());
        }
        var e = Assert.Throws<InvalidDataException>(() => ResultJournal.Read(path, 7, whole - 1).ToList());
        Assert.Contains($"damaged at byte {ResultJournal.HeaderLength + ResultJournal.RecordLength}", e.Message);
        Assert.Single(ResultJournal.Read(path, 7, ResultJournal.HeaderLength + ResultJournal.RecordLength));
    }

    [Fact]
    public void AnOlderReaderSeesNoProtocolItKnows()
    {
        string path = Path.Combine(_dir, "j");
        using (var j = ResultJournal.Create(path, seed: 7))
        {
            j.OnService(Result(1), Finding(1));
            j.Commit(j.Flush());
        }
        byte protocol = File.ReadAllBytes(path)[ResultJournal.HeaderLength + 18];
        Assert.False(Enum.IsDefined((Protocol)protocol));                       // RSJ2's reader: "damaged", not a result
        Assert.Equal(ResultJournal.ServiceMark | (byte)Protocol.Tcp, protocol);
    }
}
