using RawScan.Lab;
using Xunit;

namespace RawScan.Tests;

/// <summary>Usage errors of <c>rawscan lab</c> exit 2 before any command runs (so no root is needed here).</summary>
public class LabCommandTests
{
    private static readonly IReadOnlyList<string> NoSelf = ["/nonexistent/rawscan"];

    [Theory]
    [InlineData("")]
    [InlineData("upp")]
    [InlineData("up --name")]
    [InlineData("up --name Bad_Name")]
    [InlineData("up --name=")]
    [InlineData("down --nmae x")]
    [InlineData("status extra")]
    [InlineData("status --name a --name b")]
    [InlineData("up --log /tmp/x")] // serve's option only
    [InlineData("down --real-services")] // up's option only
    [InlineData("status --real-services")]
    public void BadUsageExits2(string args) => Assert.Equal(2, LabCommand.Run(Split(args), NoSelf));

    [Theory]
    [InlineData("--help")]
    [InlineData("up -h")]
    public void HelpExits0(string args) => Assert.Equal(0, LabCommand.Run(Split(args), NoSelf));

    private static string[] Split(string args) => args.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void StatusOfALabThatIsNotUpExits1() =>
        Assert.Equal(1, LabCommand.Run(["status", "--name", LabManagerTests.UniqueName()], NoSelf));

    [Fact]
    public void ServeRefusesToRunOutsideItsTargetNamespace() =>
        Assert.Equal(1, LabCommand.Run(["serve", LabManagerTests.UniqueName()], NoSelf));
}
