using System.Globalization;
using System.Text;
using AnomalyEngine.Metrics;

namespace AnomalyEngine.Reports;

/// <summary>A small self-contained SVG line chart (no script, no external resources).</summary>
internal static class SvgCurve
{
    private static readonly string[] Colours = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd"];

    public static string Render(string title, string xLabel, string yLabel, double xMax, IReadOnlyList<(string Name, IReadOnlyList<CurvePoint> Points)> series)
    {
        const int W = 280, H = 250, L = 42, R = 10, T = 24, B = 36;
        double pw = W - L - R, ph = H - T - B;
        string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" font-family=\"sans-serif\" font-size=\"10\">");
        sb.Append($"<text x=\"{W / 2}\" y=\"14\" text-anchor=\"middle\" font-size=\"12\">{MetricFormat.Escape(title)}</text>");
        sb.Append($"<rect x=\"{L}\" y=\"{T}\" width=\"{F(pw)}\" height=\"{F(ph)}\" fill=\"none\" stroke=\"#888\"/>");
        for (int t = 0; t <= 4; t++)
        {
            double fx = L + pw * t / 4, fy = T + ph - ph * t / 4;
            sb.Append($"<line x1=\"{F(fx)}\" y1=\"{T}\" x2=\"{F(fx)}\" y2=\"{F(T + ph)}\" stroke=\"#eee\"/>");
            sb.Append($"<line x1=\"{L}\" y1=\"{F(fy)}\" x2=\"{F(L + pw)}\" y2=\"{F(fy)}\" stroke=\"#eee\"/>");
            sb.Append($"<text x=\"{F(fx)}\" y=\"{F(T + ph + 12)}\" text-anchor=\"middle\">{F(xMax * t / 4)}</text>");
            sb.Append($"<text x=\"{L - 4}\" y=\"{F(fy + 3)}\" text-anchor=\"end\">{F(t / 4.0)}</text>");
        }
        sb.Append($"<text x=\"{F(L + pw / 2)}\" y=\"{H - 6}\" text-anchor=\"middle\">{MetricFormat.Escape(xLabel)}</text>");
        sb.Append($"<text transform=\"translate(11 {F(T + ph / 2)}) rotate(-90)\" text-anchor=\"middle\">{MetricFormat.Escape(yLabel)}</text>");
        for (int s = 0; s < series.Count; s++)
        {
            var (name, points) = series[s];
            if (points.Count == 0) continue;
            string colour = Colours[s % Colours.Length];
            sb.Append($"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\" points=\"");
            foreach (var p in points)
                sb.Append(F(L + pw * Math.Min(p.X, xMax) / xMax)).Append(',').Append(F(T + ph - ph * Math.Clamp(p.Y, 0, 1))).Append(' ');
            sb.Append("\"/>");
            sb.Append($"<text x=\"{L + 6}\" y=\"{T + 12 + 12 * s}\" fill=\"{colour}\">{MetricFormat.Escape(name)}</text>");
        }
        sb.Append("</svg>");
        return sb.ToString();
    }
}
