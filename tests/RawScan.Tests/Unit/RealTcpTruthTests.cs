using RawScan.Lab;
using Xunit;

namespace RawScan.Tests;

/// <summary>The real host's TCP truth: upstream versions from Debian's, and truth.json's "realTcp" read back.</summary>
public class RealTcpTruthTests
{
    [Theory]
    [InlineData("1:9.2p1-2+deb12u10", "9.2p1")]
    [InlineData("1.22.1-9+deb12u11", "1.22.1")]
    [InlineData("3.0.3-13+b2", "3.0.3")]
    [InlineData("4.96-15+deb12u11", "4.96")]
    [InlineData("1:2.3.19.1+dfsg1-2.1+deb12u7", "2.3.19.1")]
    [InlineData("5:7.0.15-1~deb12u10", "7.0.15")]
    [InlineData("1:10.11.19-0+deb12u1", "10.11.19")]
    [InlineData("1.6.18-1+deb12u1", "1.6.18")]
    [InlineData("3.5.0+ds1-0+deb12u1", "3.5.0")]
    public void UpstreamVersionIsWhatTheProgramSays(string debian, string upstream) => Assert.Equal(upstream, RealTcpTruth.Upstream(debian));

    [Fact]
    public void RealTcpSurvivesTheTruthFile()
    {
        var spec = LabSpec.For("unit");
        var truth = LabTruth.FromSpec(spec).WithRealTcp(RealTcpTruth.For(spec,
            new Dictionary<string, string> { ["openssh-server"] = "1:9.2p1-2+deb12u10", ["nginx"] = "1.22.1-9" }, t => t.Port != 5432));
        string path = Path.GetTempFileName();
        try
        {
            truth.Save(path);
            var back = LabTruth.Load(path);
            Assert.Equal(truth.RealTcp, back.RealTcp);
            Assert.Equal("9.2p1", back.RealTcpAt(31337)!.Version);
            Assert.Equal("trojan", back.RealTcpAt(31337)!.Kind);
            Assert.Null(back.RealTcpAt(110)!.Version);
            Assert.False(back.RealTcpAt(5432)!.Running);
            Assert.Empty(LabTruth.FromSpec(spec).RealTcp);
            Assert.DoesNotContain("realTcp", LabTruth.FromSpec(spec).ToJson(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
