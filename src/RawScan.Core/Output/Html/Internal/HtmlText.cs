using System.Globalization;
using System.Net;

namespace RawScan.Output.Html.Internal;

/// <summary>
/// Everything from data (service names, notes, the command line, labels) reaches the page through
/// <see cref="Text"/>: WebUtility encodes &amp; &lt; &gt; " and ', so the same call is safe in element text
/// and in quoted attribute values, in HTML and in the inline SVG alike.
/// </summary>
internal static class HtmlText
{
    public static void Text(TextWriter w, string? s)
    {
        if (!string.IsNullOrEmpty(s)) WebUtility.HtmlEncode(s, w);
    }

    public static string Escape(string? s) => string.IsNullOrEmpty(s) ? "" : WebUtility.HtmlEncode(s);

    public static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    public static string F(double d, string format) => d.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>Long labels are cut for the chart (the full text stays in the bar's title).</summary>
    public static string Clip(string s, int max) => s.Length <= max ? s : string.Concat(s.AsSpan(0, max - 1), "\u2026");

    public static string Duration(TimeSpan t) =>
        t.TotalSeconds < 60 ? $"{F(t.TotalSeconds, "0.00")} s"
        : t.TotalHours < 1 ? $"{(int)t.TotalMinutes} min {t.Seconds} s"
        : $"{(int)t.TotalHours} h {t.Minutes} min";
}
