using RawScan.Output;
using RawScan.Results;
using Xunit;

namespace RawScan.Tests;

/// <summary>A resumed scan appends to its CSV: rows only, so the file keeps a single header.</summary>
public class CsvAppendTests
{
    [Fact]
    public void AppendingToACsvWritesNoSecondHeader()
    {
        string path = Path.GetTempFileName();
        try
        {
            var r = new PortResult(0xC6120001, Protocol.Tcp, 80, PortState.Open, 64, 0);
            using (var w = new CsvReportWriter(new FileStream(path, FileMode.Create), new StubServiceRegistry())) { w.OnResult(r); w.End(null!); }
            using (var w = new CsvReportWriter(new FileStream(path, FileMode.Append), new StubServiceRegistry()))
            {
                w.Begin(null!);
                w.OnResult(r with { Port = 443 });
                w.End(null!);
            }
            var lines = File.ReadAllLines(path);
            Assert.Equal(1, lines.Count(l => l == CsvReportWriter.Header));
            Assert.Equal(3, lines.Length);
            Assert.Equal(2, ReportReader.Read(path).Count);
        }
        finally { File.Delete(path); }
    }
}
