using Xunit;

namespace RawScan.Tests;

/// <summary>A resume file's position means something only in its own order over its own space (issue 12).</summary>
public class ResumeSpaceTests
{
    [Theory]
    [InlineData("198.18.1.0/24")]
    [InlineData("-p", "1-1000")]
    [InlineData("--exclude", "198.18.0.7")]
    [InlineData("--seed", "7")]
    [InlineData("--shard", "1/2")]
    [InlineData("-sU")]
    public void AnOptionThatChangesTheSpaceIsRefusedOnResume(params string[] change)
    {
        string file = Path.GetTempFileName();
        try
        {
            var p = RawScan.Cli.ScanCommand.Parse(["198.18.0.0/24", "-p", "80,443", "--seed", "42"]);
            ResumeFiles.Write(file, p.SavedArgs, p.Options.Seed, 100);
            var e = Assert.Throws<BadInputException>(() => RawScan.Cli.ScanCommand.Parse(["--resume", file, .. change]));
            Assert.Equal(change[0], e.Token);
            Assert.Contains("cannot change on --resume", e.Reason);
            // Repeating a saved value, or changing what does not move the space, is fine.
            Assert.Equal(100ul, RawScan.Cli.ScanCommand.Parse(["--resume", file, "-p", "80,443", "--rate", "500", "--wait", "1"]).Options.StartPosition);
            // The seed too, though the file keeps it apart from the arguments (a shard's script repeats it).
            var again = RawScan.Cli.ScanCommand.Parse(["--resume", file, "--seed", "42"]);
            Assert.Equal((100ul, 42ul), (again.Options.StartPosition, again.Options.Seed));
        }
        finally { ResumeFiles.Delete(file); }
    }
}
