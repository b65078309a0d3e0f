using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using RawScan.Targets;

namespace RawScan.Sessions;

/// <summary>
/// --banners from an address the host owns: the host's kernel knows nothing of our connections and would
/// answer every SYN-ACK and segment of theirs with a RST, killing them. For the scan's duration an
/// nftables table drops the kernel's outgoing RSTs from our source ports on our source address(es) (our
/// own segments leave by AF_PACKET or libpcap, below netfilter, and are untouched); our source ports lie
/// above the ephemeral range, so no connection of the host's own is affected. The table is named after
/// the scan's process id, removed when the scan ends, and a table left by a scan that was killed is
/// removed by the next one that starts.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class KernelResetGuard : IDisposable
{
    private const string Prefix = "rawscan_banners_";
    private readonly string _table;

    private KernelResetGuard(string table) => _table = table;

    /// <exception cref="ScanSetupException">nft is missing or refused the rule: the one line says what to do instead.</exception>
    public static KernelResetGuard Install(uint source, UInt128? source6, ushort firstPort, ushort lastPort)
    {
        RemoveStale();
        string table = Prefix + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        string ports = $"{firstPort}-{lastPort}";
        var rules = new List<string>();
        if (source != 0) rules.Add($"ip saddr {Ipv4.Format(source)} tcp sport {ports} tcp flags & rst == rst drop");
        if (source6 is { } s6) rules.Add($"ip6 saddr {Ipv6.Format(s6)} tcp sport {ports} tcp flags & rst == rst drop");
        string script = $"table inet {table} {{\n chain output {{\n  type filter hook output priority 0; policy accept;\n  {string.Join("\n  ", rules)}\n }}\n}}\n";
        var (ok, why) = Nft(["-f", "-"], script);
        if (!ok)
            throw new ScanSetupException($"--banners cannot keep the kernel from resetting its connections ({why}): install nftables, or give --source-ip a spare address of the link");
        return new KernelResetGuard(table);
    }

    public void Dispose() => Nft(["delete", "table", "inet", _table], null);

    /// <summary>Tables of scans whose process is gone (killed before they could remove theirs).</summary>
    private static void RemoveStale()
    {
        var (ok, output) = Nft(["list", "tables"], null);
        if (!ok) return;
        foreach (var line in output.Split('\n'))
        {
            int at = line.IndexOf(Prefix, StringComparison.Ordinal);
            if (at < 0 || !int.TryParse(line.AsSpan(at + Prefix.Length).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) continue;
            if (!Directory.Exists($"/proc/{pid}")) Nft(["delete", "table", "inet", Prefix + pid.ToString(CultureInfo.InvariantCulture)], null);
        }
    }

    /// <summary>Runs nft; (true, stdout) or (false, the first line of what went wrong).</summary>
    private static (bool Ok, string Output) Nft(string[] args, string? input)
    {
        var psi = new ProcessStartInfo("nft") { RedirectStandardInput = input is not null, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            if (input is not null) { p.StandardInput.Write(input); p.StandardInput.Close(); }
            var stdout = p.StandardOutput.ReadToEndAsync();
            string stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode == 0) return (true, stdout.Result);
            string first = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? $"nft exited {p.ExitCode}";
            return (false, first);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (false, $"nft: {e.Message}");
        }
    }
}
