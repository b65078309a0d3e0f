using System.Globalization;

namespace RawScan.Routing;

/// <summary>Ethernet addresses as text: "02:00:5e:10:00:01".</summary>
public static class Mac
{
    public static string Format(ReadOnlySpan<byte> mac)
    {
        var parts = new string[mac.Length];
        for (int i = 0; i < mac.Length; i++) parts[i] = mac[i].ToString("x2");
        return string.Join(':', parts);
    }

    public static byte[] Parse(string text, string what = "MAC address")
    {
        var parts = text.Split(':', '-');
        var mac = new byte[6];
        if (parts.Length != 6) throw new BadInputException(what, text, "six hex bytes separated by ':'");
        for (int i = 0; i < 6; i++)
            if (parts[i].Length is < 1 or > 2 || !byte.TryParse(parts[i], NumberStyles.HexNumber, null, out mac[i]))
                throw new BadInputException(what, text, "six hex bytes separated by ':'");
        return mac;
    }
}
