using RawScan.Lab;
using RawScan.Lab.Internal;
using Xunit;

namespace RawScan.Tests;

/// <summary>
/// The default-route guard looks at every address of a scan (issue 12's audit, replayed): with only
/// 198.18.0.0/24 and 198.18.2.0/24 routed and a default route beside them, a range over all three
/// /24s must be refused, and nothing sent, because its middle /24 would leave by the default route.
/// </summary>
[Collection(LabScans.Name)]
public class LabRouteGuardTests
{
    [LabFact]
    public void ARangeWhoseMiddleLeavesByTheDefaultRouteIsRefusedAndNothingIsSent()
    {
        string name = LabManagerTests.UniqueName();
        try
        {
            var lab = LabManager.Up(name, Cli.Command);
            string s = lab.ScannerNamespace;
            Exec.Run("ip", "-n", s, "route", "del", "198.18.0.0/16", "via", "198.19.0.1");
            Exec.Run("ip", "-n", s, "route", "add", "198.18.0.0/24", "via", "198.19.0.1");
            Exec.Run("ip", "-n", s, "route", "add", "198.18.2.0/24", "via", "198.19.0.1");
            Exec.Run("ip", "-n", s, "route", "add", "default", "via", "198.19.0.1");
            Cli.Result? r = null;
            var syns = LabCapture.While(lab, "tcp[tcpflags] == tcp-syn", () =>
                r = Cli.Run(["scan", "--lab", name, "198.18.0.0-198.18.2.255", "-p", "80", "--wait", "0.2"]));
            Assert.Equal(1, r!.ExitCode);
            Assert.Contains("refusing to scan 198.18.1.0-198.18.1.255: its route is this namespace's default route", r.Stderr);
            Assert.DoesNotContain(syns, l => l.Contains("Flags [S]"));
            // The routed parts alone are scanned.
            var ok = Cli.Run(["scan", "--lab", name, "198.18.0.0/24,198.18.2.0/24", "-p", "80", "--wait", "0.2"]);
            Assert.True(ok.ExitCode == 0, ok.Stderr);
        }
        finally
        {
            LabManager.Down(name);
        }
    }
}
