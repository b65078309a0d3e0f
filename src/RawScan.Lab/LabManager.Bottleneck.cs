using System.Globalization;
using RawScan.Lab.Internal;

namespace RawScan.Lab;

/// <summary>What a bottleneck does to probes beyond its rate: drop them at once, or queue them.</summary>
public enum BottleneckKind
{
    /// <summary>An nftables <c>limit rate over</c> policer: beyond the rate, dropped; no queue, the RTT does not change.</summary>
    Policer,

    /// <summary>A tbf shaper behind a FIFO of <see cref="LabBottleneck.QueuePackets"/>: beyond the rate, queued (the RTT rises), dropped only when the FIFO is full.</summary>
    Queue,
}

/// <summary>A bottleneck on the probes' way into the target: <see cref="Pps"/> packets per second.</summary>
public sealed record LabBottleneck(BottleneckKind Kind, long Pps)
{
    /// <summary>
    /// The policer's bucket: 20 ms of the rate, at least 8 packets. Small enough that over any second
    /// the policer passes at most 2% above its rate (measured with 10 ms: 19,996/s reached the target
    /// of 99,982/s offered through 20,000/s over 1.12 s), large enough for a sender that keeps to
    /// the rate on average: RawScan at --rate 10000 through 20,000/s lost 7-54 of 16,384 probes with
    /// a 10 ms bucket (its rate limiter catches up after a stall of the sending thread in one burst),
    /// none in 4 runs with 20 ms or 50 ms.
    /// </summary>
    public long BurstPackets => Math.Max(Pps / 50, 8);

    /// <summary>The shaper's FIFO: 100 ms at the rate, at least 16 packets; what overflows it is dropped.</summary>
    public long QueuePackets => Math.Max(Pps / 10, 16);

    /// <summary>The time a full queue adds to the RTT.</summary>
    public double QueueMilliseconds => QueuePackets * 1000.0 / Pps;

    /// <summary>
    /// What tbf counts per frame: every frame up to this size counts as this size (tbf's <c>mpu</c>),
    /// so a byte rate of Pps x 128 x 8 bits is Pps frames/s for every probe (a SYN is 58 bytes
    /// on the wire, IPv4 or 78 IPv6, a DNS or SNMP probe under 128); a larger frame counts its own length.
    /// </summary>
    public const int FrameBytes = 128;

    /// <summary>The shaper's rate in bits per second.</summary>
    public long RateBits => Pps * FrameBytes * 8;

    /// <summary>The shaper's bucket: 1 ms at the rate, at least 16 frames (2,048 bytes: any 1,514-byte frame fits).</summary>
    public long ShaperBurstBytes => Math.Max(Pps / 1000, 16) * FrameBytes;

    /// <summary>One line for <c>lab status</c> and the command's answer.</summary>
    public string Describe() => Kind == BottleneckKind.Policer
        ? $"policer: TCP and UDP packets entering the target beyond {Pps}/s are dropped (burst {BurstPackets} packets); the RTT does not change"
        : $"queue: packets entering the target are shaped to {Pps}/s behind a {QueuePackets}-packet queue "
          + $"({QueueMilliseconds.ToString("0.#", CultureInfo.InvariantCulture)} ms at that rate): the RTT rises as it fills, then what overflows is dropped";

    /// <summary>The state file's text: "policer 20000" or "queue 50000".</summary>
    internal string ToText() => $"{(Kind == BottleneckKind.Policer ? "policer" : "queue")} {Pps.ToString(CultureInfo.InvariantCulture)}";

    internal static LabBottleneck? FromText(string text)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long pps)) return null;
        return parts[0] switch
        {
            "policer" => new LabBottleneck(BottleneckKind.Policer, pps),
            "queue" => new LabBottleneck(BottleneckKind.Queue, pps),
            _ => null,
        };
    }
}

/// <summary>A bottleneck on the lab link (<c>rawscan lab bottleneck PPS|off [--queue]</c>).</summary>
public static partial class LabManager
{
    public const long MaxBottleneckPps = 10_000_000;

    /// <summary>The target namespace's ifb device, which the queue shapes: tgt0's ingress is redirected to its egress.</summary>
    public const string BottleneckDevice = "bneck0";

    /// <summary>
    /// Puts <paramref name="bottleneck"/> on the probes' way into the target, replacing any bottleneck
    /// set before; null removes it. Both kinds sit at the same place, the target's end of the link,
    /// where a real bottleneck router would be: out of the scanner's host (its socket never sees a
    /// drop as ENOBUFS), before the target's stack (a dropped probe costs the target nothing).
    /// </summary>
    /// <exception cref="BadInputException">The name is not valid.</exception>
    /// <exception cref="InvalidOperationException">The lab is not up.</exception>
    /// <exception cref="LabException">nft, tc or ip failed.</exception>
    public static void SetBottleneck(string name, LabBottleneck? bottleneck)
    {
        var spec = LabSpec.For(name);
        if (bottleneck is { Pps: < 1 or > MaxBottleneckPps })
            throw new BadInputException("bottleneck rate", bottleneck.Pps.ToString(CultureInfo.InvariantCulture), $"expected 1 to {MaxBottleneckPps} packets/s");
        if (Status(name) is null) throw new InvalidOperationException($"lab {name} is not up ('rawscan lab up --name {name}' first)");

        // One at a time: whatever was there goes first (the record with it, so a failure below leaves
        // no record of a bottleneck that is not there), then the new one.
        RemoveQueue(spec);
        Exec.RunWithInput(NftScripts.Bottleneck(spec, null), "ip", "netns", "exec", spec.TargetNamespace, "nft", "-f", "-");
        File.Delete(BottleneckPath(name));
        if (bottleneck is null) return;
        if (bottleneck.Kind == BottleneckKind.Policer)
            Exec.RunWithInput(NftScripts.Bottleneck(spec, bottleneck), "ip", "netns", "exec", spec.TargetNamespace, "nft", "-f", "-");
        else
        {
            try
            {
                AddQueue(spec, bottleneck);
            }
            catch (LabException)
            {
                RemoveQueue(spec);
                throw;
            }
        }
        File.WriteAllText(BottleneckPath(name), bottleneck.ToText() + "\n");
    }

    /// <summary>
    /// The queue: tgt0's ingress (IPv4 and IPv6; ARP passes untouched, so the link never loses its
    /// neighbours) is redirected to an ifb device in the target namespace, whose egress has tbf at
    /// <see cref="LabBottleneck.RateBits"/> over a pfifo of <see cref="LabBottleneck.QueuePackets"/>
    /// packets; the ifb hands each packet back to tgt0's receive path when tbf releases it. A pfifo
    /// counts packets, so the queue is 100 ms at the rate whatever the frames' size (tbf's own bfifo
    /// counts real bytes, 58 for a SYN, and would hold 2.2 times longer than its latency says).
    /// The kernel has no netem and no matchall classifier; u32 matching nothing in particular is the match-all.
    /// </summary>
    private static void AddQueue(LabSpec spec, LabBottleneck b)
    {
        string[] ns = ["ip", "netns", "exec", spec.TargetNamespace];
        Exec.Run([.. ns, "ip", "link", "add", BottleneckDevice, "type", "ifb"]);
        Exec.Run([.. ns, "ip", "link", "set", BottleneckDevice, "up"]);
        Exec.Run([.. ns, "tc", "qdisc", "add", "dev", BottleneckDevice, "root", "handle", "1:", "tbf",
            "rate", $"{b.RateBits.ToString(CultureInfo.InvariantCulture)}bit",
            "burst", b.ShaperBurstBytes.ToString(CultureInfo.InvariantCulture),
            "mpu", LabBottleneck.FrameBytes.ToString(CultureInfo.InvariantCulture),
            "limit", (b.QueuePackets * LabBottleneck.FrameBytes).ToString(CultureInfo.InvariantCulture)]);
        Exec.Run([.. ns, "tc", "qdisc", "add", "dev", BottleneckDevice, "parent", "1:1", "handle", "10:", "pfifo",
            "limit", b.QueuePackets.ToString(CultureInfo.InvariantCulture)]);
        Exec.Run([.. ns, "tc", "qdisc", "add", "dev", spec.TargetInterface, "handle", "ffff:", "ingress"]);
        foreach (var (protocol, prio) in new[] { ("ip", "1"), ("ipv6", "2") })
            Exec.Run([.. ns, "tc", "filter", "add", "dev", spec.TargetInterface, "parent", "ffff:", "protocol", protocol, "prio", prio,
                "u32", "match", "u32", "0", "0", "action", "mirred", "egress", "redirect", "dev", BottleneckDevice]);
    }

    /// <summary>Removes the queue's ingress qdisc (its filters with it) and its ifb, whichever are there.</summary>
    private static void RemoveQueue(LabSpec spec)
    {
        string[] ns = ["ip", "netns", "exec", spec.TargetNamespace];
        if (Exec.Run([.. ns, "tc", "qdisc", "show", "dev", spec.TargetInterface]).Contains("qdisc ingress ffff:", StringComparison.Ordinal))
            Exec.Run([.. ns, "tc", "qdisc", "del", "dev", spec.TargetInterface, "ingress"]);
        if (Exec.TryRun(null, [.. ns, "ip", "link", "show", "dev", BottleneckDevice]).ExitCode == 0)
            Exec.Run([.. ns, "ip", "link", "del", BottleneckDevice]);
    }

    /// <summary>Reads the PPS of <c>lab bottleneck PPS</c>: a whole number of packets per second, 1 to <see cref="MaxBottleneckPps"/>.</summary>
    /// <exception cref="BadInputException">Names the token.</exception>
    public static long ParseBottleneckPps(string token) =>
        long.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out long pps) && pps is >= 1 and <= MaxBottleneckPps
            ? pps
            : throw new BadInputException("bottleneck rate", token, $"expected a whole number of packets/s from 1 to {MaxBottleneckPps}, or 'off'");

    /// <summary>The lab's bottleneck as last set, from its state directory; null when none is.</summary>
    private static LabBottleneck? ReadBottleneck(string name)
    {
        string path = BottleneckPath(name);
        return File.Exists(path) ? LabBottleneck.FromText(File.ReadAllText(path)) : null;
    }

    /// <summary>The bottleneck in effect ("policer 20000", "queue 50000"), absent when there is none.</summary>
    public static string BottleneckPath(string name) => Path.Combine(StateDirectory(name), "bottleneck");
}
