using System.Globalization;
using RawScan.Lab.Internal;

namespace RawScan.Lab;

/// <summary>Emulated packet loss on the lab link (<c>rawscan lab loss PERCENT</c>).</summary>
public static partial class LabManager
{
    /// <summary>The loss is set in steps of 0.01% (nft's <c>numgen random mod 10000</c>).</summary>
    public const int LossResolution = 10_000;

    /// <summary>
    /// Sets random loss on TCP and UDP packets entering the target namespace from the link (the
    /// scanner's probes), replacing any loss set before; 0 removes it. Replies are not dropped: one
    /// direction is deliberate, the published comparison this lab reproduces (masscan, no retries,
    /// 95.0% found at 5% loss) matches loss on one direction, and it keeps "found = 1 - loss" plain.
    /// </summary>
    /// <param name="percent">0 to 100, in steps of 0.01.</param>
    /// <exception cref="BadInputException">The name or the percentage is not valid.</exception>
    /// <exception cref="InvalidOperationException">The lab is not up.</exception>
    /// <exception cref="LabException">nft failed.</exception>
    public static void SetLoss(string name, double percent)
    {
        var spec = LabSpec.For(name);
        int perTenThousand = LossSteps(percent, percent.ToString("R", CultureInfo.InvariantCulture));
        if (Status(name) is null) throw new InvalidOperationException($"lab {name} is not up ('rawscan lab up --name {name}' first)");

        // The ruleset first, then the record of it: a failed nft leaves the old loss and its record.
        Exec.RunWithInput(NftScripts.Loss(spec, perTenThousand), "ip", "netns", "exec", spec.TargetNamespace, "nft", "-f", "-");
        if (perTenThousand == 0) File.Delete(LossPath(name));
        else File.WriteAllText(LossPath(name), (perTenThousand / 100.0).ToString("R", CultureInfo.InvariantCulture) + "\n");
    }

    /// <summary>Reads a loss percentage as typed: "5", "2.5", "0.01"; no sign, exponent or unit.</summary>
    /// <exception cref="BadInputException">Names the token: not a number, outside 0-100, or finer than 0.01.</exception>
    public static double ParseLossPercent(string token)
    {
        if (!double.TryParse(token, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double percent))
            throw new BadInputException("loss percentage", token, "expected a number from 0 to 100, like 5 or 2.5");
        LossSteps(percent, token);
        return percent;
    }

    /// <summary>How many packets in 10,000 are dropped. Validates, naming <paramref name="token"/>.</summary>
    private static int LossSteps(double percent, string token)
    {
        if (!double.IsFinite(percent) || percent < 0 || percent > 100)
            throw new BadInputException("loss percentage", token, "must be from 0 to 100");
        double steps = percent * (LossResolution / 100);
        int rounded = (int)Math.Round(steps);
        // 2.5 * 100 is 250 exactly, but 0.29 * 100 is 28.999999999999996: allow the float noise, not a third decimal.
        if (Math.Abs(steps - rounded) > 1e-6)
            throw new BadInputException("loss percentage", token, "the resolution is 0.01 (at most two decimals)");
        return rounded;
    }

    /// <summary>The lab's loss as last set, from its state directory; 0 when none is set.</summary>
    private static double ReadLoss(string name)
    {
        string path = LossPath(name);
        return File.Exists(path) && double.TryParse(File.ReadAllText(path).Trim(), NumberStyles.AllowDecimalPoint,
            CultureInfo.InvariantCulture, out double percent) ? percent : 0;
    }

    /// <summary>The loss percentage in effect (invariant culture), absent when there is none.</summary>
    public static string LossPath(string name) => Path.Combine(StateDirectory(name), "loss");
}
