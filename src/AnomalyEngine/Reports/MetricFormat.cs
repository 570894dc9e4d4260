using System.Globalization;
using AnomalyEngine.Metrics;

namespace AnomalyEngine.Reports;

/// <summary>Metric cells: percent with two decimals, "n/a" for undefined or absent values.</summary>
internal static class MetricFormat
{
    public static string Percent(MetricValue? v) =>
        v is { IsDefined: true } d ? (100 * d.Value).ToString("0.00", CultureInfo.InvariantCulture) : "n/a";

    public static string Number(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    public static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");

    /// <summary>The table columns: name and how to read it from (image, pixel) metric sets.</summary>
    public static readonly (string Name, Func<MetricSet, MetricSet?, MetricValue?> Get)[] Columns =
    [
        ("image AUROC", (i, p) => i.Auroc),
        ("image AP", (i, p) => i.AveragePrecision),
        ("image F1-max", (i, p) => i.F1Max),
        ("pixel AUROC", (i, p) => p?.Auroc),
        ("pixel AP", (i, p) => p?.AveragePrecision),
        ("pixel AUPR (trapezoid)", (i, p) => p?.AuprTrapezoid),
        ("pixel AUPRO", (i, p) => p?.Aupro),
        ("pixel F1-max", (i, p) => p?.F1Max),
    ];

    /// <summary>Rows: every category, then its defect types indented; a mean row over categories when there are several.</summary>
    public static IEnumerable<(string Category, string Defect, int Images, string[] Cells)> Rows(IReadOnlyList<Metrics.Evaluation.CategoryResult> categories)
    {
        foreach (var c in categories)
        {
            yield return (c.Category, "all", c.Images, Columns.Select(col => Percent(col.Get(c.Image, c.Pixel))).ToArray());
            foreach (var d in c.Defects)
                yield return (c.Category, d.Defect, d.Images, Columns.Select(col => Percent(col.Get(d.Image, d.Pixel))).ToArray());
        }
        if (categories.Count > 1)
        {
            var cells = Columns.Select(col =>
            {
                var values = categories.Select(c => col.Get(c.Image, c.Pixel)).ToList();
                return values.All(v => v is { IsDefined: true })
                    ? Percent(MetricValue.Defined(values.Average(v => v!.Value.Value)))
                    : "n/a";
            }).ToArray();
            yield return ("mean", "", categories.Sum(c => c.Images), cells);
        }
    }
}
