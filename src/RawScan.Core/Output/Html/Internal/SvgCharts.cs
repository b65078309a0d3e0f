using static RawScan.Output.Html.Internal.HtmlText;

namespace RawScan.Output.Html.Internal;

/// <summary>One bar of a horizontal chart.</summary>
internal readonly record struct Bar(string Label, long Value);

/// <summary>One series of a vertical chart: a value per category.</summary>
internal sealed record Series(string Name, string CssClass, long[] Values);

/// <summary>
/// Bar charts drawn here as inline SVG, so the report needs no script and no library and looks the same
/// in any browser, offline. Each chart is an img with a title and a description that says the data in
/// words (screen readers, and the tests, read those); each bar is a group carrying data-label/data-value
/// and its own title (the tooltip). Sizes are in the viewBox's units: the page scales the chart down on
/// narrow screens and never up past its natural width, so the text stays at its designed size or smaller.
/// </summary>
internal static class SvgCharts
{
    public static void Horizontal(TextWriter w, string id, string title, string desc, string axisLabel,
                                  IReadOnlyList<Bar> bars, string barClass, string emptyText, int width = 760)
    {
        const int top = 10, rowH = 26, barH = 18, labelW = 180, right = 64, axisH = 46;
        int plotW = width - labelW - right;
        int rows = Math.Max(bars.Count, 1);
        int plotBottom = top + rows * rowH;
        int height = plotBottom + axisH;
        long max = 0;
        foreach (var b in bars) max = Math.Max(max, b.Value);
        var (step, axisMax) = NiceAxis(max);

        Open(w, id, title, desc, width, height);
        for (long t = 0; t <= axisMax; t += step)
        {
            double x = labelW + plotW * (double)t / axisMax;
            w.Write($"<line class=\"grid\" x1=\"{F(x, "0.#")}\" y1=\"{top}\" x2=\"{F(x, "0.#")}\" y2=\"{plotBottom}\"/>");
            w.Write($"<text class=\"tick\" x=\"{F(x, "0.#")}\" y=\"{plotBottom + 16}\" text-anchor=\"middle\">{N(t)}</text>");
        }
        w.Write($"<line class=\"axis\" x1=\"{labelW}\" y1=\"{top}\" x2=\"{labelW}\" y2=\"{plotBottom}\"/>");
        w.Write($"<line class=\"axis\" x1=\"{labelW}\" y1=\"{plotBottom}\" x2=\"{labelW + plotW}\" y2=\"{plotBottom}\"/>");
        w.Write($"<text class=\"axis-label\" x=\"{labelW + plotW / 2}\" y=\"{height - 8}\" text-anchor=\"middle\">");
        Text(w, axisLabel);
        w.Write("</text>");

        for (int i = 0; i < bars.Count; i++)
        {
            var b = bars[i];
            int y = top + i * rowH + (rowH - barH) / 2;
            double bw = axisMax == 0 ? 0 : plotW * (double)b.Value / axisMax;
            w.Write($"<g class=\"bar {barClass}\" data-label=\"");
            Text(w, b.Label);
            w.Write($"\" data-value=\"{b.Value}\"><title>");
            Text(w, b.Label);
            w.Write($": {N(b.Value)}</title><text class=\"label\" x=\"{labelW - 8}\" y=\"{y + barH / 2}\" dy=\"0.35em\" text-anchor=\"end\">");
            Text(w, Clip(b.Label, 24));
            w.Write($"</text><rect x=\"{labelW}\" y=\"{y}\" width=\"{F(Math.Max(bw, 1), "0.#")}\" height=\"{barH}\" rx=\"2\"/>");
            w.Write($"<text class=\"value\" x=\"{F(labelW + bw + 6, "0.#")}\" y=\"{y + barH / 2}\" dy=\"0.35em\">{N(b.Value)}</text></g>");
        }
        if (bars.Count == 0) Empty(w, labelW + plotW / 2, top + rowH / 2, emptyText);
        w.Write("</svg>");
    }

    public static void Vertical(TextWriter w, string id, string title, string desc, string xLabel, string yLabel,
                                IReadOnlyList<string> categories, IReadOnlyList<Series> series, string emptyText,
                                IReadOnlyList<string>? subLabels = null, int width = 520)
    {
        const int right = 16, top = 36, plotH = 220, bottom = 62;
        long max = 0;
        foreach (var s in series) foreach (long v in s.Values) max = Math.Max(max, v);
        var (step, axisMax) = NiceAxis(max);
        // Room for the widest tick ("150,000": about 7 px a character at 12 px) and the rotated axis label beside it.
        int left = Math.Max(60, 34 + 7 * N(axisMax).Length);
        int plotW = width - left - right;
        int plotBottom = top + plotH;
        int height = plotBottom + bottom;

        Open(w, id, title, desc, width, height);
        for (long t = 0; t <= axisMax; t += step)
        {
            double y = plotBottom - plotH * (double)t / axisMax;
            w.Write($"<line class=\"grid\" x1=\"{left}\" y1=\"{F(y, "0.#")}\" x2=\"{left + plotW}\" y2=\"{F(y, "0.#")}\"/>");
            w.Write($"<text class=\"tick\" x=\"{left - 8}\" y=\"{F(y, "0.#")}\" dy=\"0.35em\" text-anchor=\"end\">{N(t)}</text>");
        }
        w.Write($"<line class=\"axis\" x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{plotBottom}\"/>");
        w.Write($"<line class=\"axis\" x1=\"{left}\" y1=\"{plotBottom}\" x2=\"{left + plotW}\" y2=\"{plotBottom}\"/>");
        w.Write($"<text class=\"axis-label\" x=\"{left + plotW / 2}\" y=\"{height - 8}\" text-anchor=\"middle\">");
        Text(w, xLabel);
        w.Write($"</text><text class=\"axis-label\" transform=\"translate(16 {top + plotH / 2}) rotate(-90)\" text-anchor=\"middle\">");
        Text(w, yLabel);
        w.Write("</text>");

        if (series.Count > 1)
        {
            int lx = left + plotW;
            for (int j = series.Count - 1; j >= 0; j--)
            {
                lx -= 14 + 8 * series[j].Name.Length + 18;
                w.Write($"<g class=\"legend {series[j].CssClass}\"><rect x=\"{lx}\" y=\"8\" width=\"12\" height=\"12\" rx=\"2\"/><text x=\"{lx + 17}\" y=\"14\" dy=\"0.35em\">");
                Text(w, series[j].Name);
                w.Write("</text></g>");
            }
        }

        if (categories.Count > 0)
        {
            double groupW = (double)plotW / categories.Count;
            double barW = Math.Min(56, groupW * 0.78 / series.Count);
            for (int c = 0; c < categories.Count; c++)
            {
                double gx = left + c * groupW;
                w.Write($"<text class=\"category\" x=\"{F(gx + groupW / 2, "0.#")}\" y=\"{plotBottom + 18}\" text-anchor=\"middle\">");
                Text(w, categories[c]);
                w.Write("</text>");
                if (subLabels is not null)
                {
                    w.Write($"<text class=\"tick\" x=\"{F(gx + groupW / 2, "0.#")}\" y=\"{plotBottom + 32}\" text-anchor=\"middle\">");
                    Text(w, subLabels[c]);
                    w.Write("</text>");
                }
                double x0 = gx + (groupW - barW * series.Count) / 2;
                for (int j = 0; j < series.Count; j++)
                {
                    long v = series[j].Values[c];
                    double h = axisMax == 0 ? 0 : plotH * (double)v / axisMax;
                    double x = x0 + j * barW;
                    w.Write($"<g class=\"bar {series[j].CssClass}\" data-label=\"");
                    Text(w, categories[c]);
                    w.Write("\" data-series=\"");
                    Text(w, series[j].Name);
                    w.Write($"\" data-value=\"{v}\"><title>");
                    Text(w, series.Count > 1 ? $"{categories[c]}, {series[j].Name}: {N(v)}" : $"{categories[c]}: {N(v)}");
                    w.Write($"</title><rect x=\"{F(x + 1, "0.#")}\" y=\"{F(plotBottom - h, "0.#")}\" width=\"{F(Math.Max(barW - 2, 1), "0.#")}\" height=\"{F(h, "0.#")}\" rx=\"2\"/>");
                    w.Write($"<text class=\"value\" x=\"{F(x + barW / 2, "0.#")}\" y=\"{F(plotBottom - h - 5, "0.#")}\" text-anchor=\"middle\">{N(v)}</text></g>");
                }
            }
        }
        if (max == 0) Empty(w, left + plotW / 2, top + plotH / 2, emptyText);
        w.Write("</svg>");
    }

    private static void Open(TextWriter w, string id, string title, string desc, int width, int height)
    {
        w.Write($"<svg id=\"{id}\" class=\"chart\" viewBox=\"0 0 {width} {height}\" style=\"max-width:{width}px\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\">");
        w.Write($"<title id=\"{id}-title\">");
        Text(w, title);
        w.Write($"</title><desc id=\"{id}-desc\">");
        Text(w, desc);
        w.Write("</desc>");
    }

    private static void Empty(TextWriter w, int x, int y, string text)
    {
        w.Write($"<text class=\"empty\" x=\"{x}\" y=\"{y}\" text-anchor=\"middle\">");
        Text(w, text);
        w.Write("</text>");
    }

    /// <summary>A 1-2-5 step giving at most about five ticks, and the axis end (a multiple of it, at least 1).</summary>
    internal static (long Step, long Max) NiceAxis(long max)
    {
        if (max <= 0) return (1, 1);
        long step = 1;
        while (true)
        {
            foreach (long m in (ReadOnlySpan<long>)[1, 2, 5])
            {
                long s = step * m;
                if ((max + s - 1) / s <= 5) return (s, (max + s - 1) / s * s);
            }
            step *= 10;
        }
    }
}
