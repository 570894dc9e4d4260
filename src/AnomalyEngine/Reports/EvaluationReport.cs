using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using AnomalyEngine.Metrics;
using AnomalyEngine.Metrics.Evaluation;

namespace AnomalyEngine.Reports;

/// <summary>Writes an evaluation as metrics.json, metrics.md and a self-contained report.html (inline SVG curves and PNG overlays, no script).</summary>
public static class EvaluationReport
{
    /// <summary>Writes the three reports into <paramref name="folder"/> (created if needed), each atomically; returns their paths.</summary>
    public static IReadOnlyList<string> WriteAll(EvaluationResult result, string folder)
    {
        Directory.CreateDirectory(folder);
        var files = new[] { ("metrics.json", Json(result)), ("metrics.md", Markdown(result)), ("report.html", Html(result)) };
        foreach (var (name, text) in files) Imaging.AtomicFile.WriteText(Path.Combine(folder, name), text);
        return files.Select(f => Path.Combine(folder, f.Item1)).ToList();
    }

    /// <summary>The metrics as JSON: undefined values are null, with their reasons under "undefined".</summary>
    public static string Json(EvaluationResult result)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("dataRoot", result.DataRoot);
            w.WriteString("heatMaps", result.HeatMaps);
            w.WriteString("imageScores", result.ImageScores);
            w.WriteStartArray("categories");
            foreach (var c in result.Categories)
            {
                w.WriteStartObject();
                w.WriteString("category", c.Category);
                w.WriteNumber("images", c.Images);
                WriteSet(w, "image", c.Image);
                WriteSet(w, "pixel", c.Pixel);
                w.WriteStartArray("defects");
                foreach (var d in c.Defects)
                {
                    w.WriteStartObject();
                    w.WriteString("defect", d.Defect);
                    w.WriteNumber("images", d.Images);
                    WriteSet(w, "image", d.Image);
                    WriteSet(w, "pixel", d.Pixel);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray()) + "\n";
    }

    private static void WriteSet(Utf8JsonWriter w, string name, MetricSet? m)
    {
        if (m is null) { w.WriteNull(name); return; }
        w.WriteStartObject(name);
        var values = new (string, MetricValue)[] { ("auroc", m.Auroc), ("ap", m.AveragePrecision), ("auprTrapezoid", m.AuprTrapezoid), ("aupro", m.Aupro), ("f1Max", m.F1Max) };
        foreach (var (key, v) in values)
        {
            if (v.IsDefined) w.WriteNumber(key, v.Value); else w.WriteNull(key);
        }
        if (m.F1Threshold is float t) w.WriteNumber("f1Threshold", t); else w.WriteNull("f1Threshold");
        w.WriteNumber("proFprLimit", m.ProFprLimit);
        w.WriteNumber("positives", m.Positives);
        w.WriteNumber("negatives", m.Negatives);
        w.WriteNumber("regions", m.Regions);
        w.WriteStartObject("undefined");
        foreach (var (key, v) in values.Where(x => !x.Item2.IsDefined)) w.WriteString(key, v.Reason);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>The per-category and per-defect table in Markdown (values in percent).</summary>
    public static string Markdown(EvaluationResult result)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Evaluation").AppendLine();
        sb.AppendLine($"Ground truth: `{result.DataRoot}`; heat maps: `{result.HeatMaps ?? "none"}`; image scores: `{result.ImageScores ?? "max of each heat map"}`.");
        sb.AppendLine($"Values in percent. AP is scikit-learn's step-sum average precision (AnoGen's AU-PR); AUPR (trapezoid) is anomalib's; AUPRO integrates to FPR {Limit(result)} and is divided by it; n/a = undefined (one class only).").AppendLine();
        sb.AppendLine("| category | defect | images | " + string.Join(" | ", MetricFormat.Columns.Select(c => c.Name)) + " |");
        sb.AppendLine("|---|---|---:|" + string.Concat(MetricFormat.Columns.Select(_ => "---:|")));
        foreach (var (category, defect, images, cells) in MetricFormat.Rows(result.Categories))
            sb.AppendLine($"| {category} | {defect} | {images} | {string.Join(" | ", cells)} |");
        return sb.ToString();
    }

    private static string Limit(EvaluationResult r) => MetricFormat.Number(r.Categories.FirstOrDefault()?.Image.ProFprLimit ?? 0.3);

    /// <summary>The self-contained HTML report.</summary>
    public static string Html(EvaluationResult result)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>AnomalyEngine evaluation</title><style>");
        sb.Append("body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}");
        sb.Append("td:first-child,td:nth-child(2),th{text-align:left}tr.cat td{font-weight:bold;background:#f4f4f4}figure{display:inline-block;margin:4px;font-size:11px}.curves svg{margin-right:8px}");
        sb.Append("</style></head><body><h1>Evaluation</h1>");
        sb.Append($"<p>Ground truth <code>{MetricFormat.Escape(result.DataRoot)}</code>, heat maps <code>{MetricFormat.Escape(result.HeatMaps ?? "none")}</code>, image scores <code>{MetricFormat.Escape(result.ImageScores ?? "max of each heat map")}</code>. ");
        sb.Append($"Values in percent. AP = scikit-learn's step-sum average precision (AnoGen's AU-PR); AUPR (trapezoid) = anomalib's; AUPRO up to FPR {Limit(result)}, divided by it; n/a = undefined (one class only).</p>");
        sb.Append("<table><tr><th>category</th><th>defect</th><th>images</th>");
        foreach (var c in MetricFormat.Columns) sb.Append($"<th>{c.Name}</th>");
        sb.Append("</tr>");
        foreach (var (category, defect, images, cells) in MetricFormat.Rows(result.Categories))
        {
            sb.Append(defect is "all" or "" ? "<tr class=\"cat\">" : "<tr>");
            sb.Append($"<td>{MetricFormat.Escape(category)}</td><td>{MetricFormat.Escape(defect)}</td><td>{images}</td>");
            foreach (string cell in cells) sb.Append($"<td>{cell}</td>");
            sb.Append("</tr>");
        }
        sb.Append("</table>");
        foreach (var c in result.Categories)
        {
            sb.Append($"<h2>{MetricFormat.Escape(c.Category)}</h2><div class=\"curves\">");
            var roc = new List<(string, IReadOnlyList<CurvePoint>)> { ("image", c.Image.Roc) };
            var pr = new List<(string, IReadOnlyList<CurvePoint>)> { ("image", c.Image.PrecisionRecall) };
            if (c.Pixel is not null) { roc.Add(("pixel", c.Pixel.Roc)); pr.Add(("pixel", c.Pixel.PrecisionRecall)); }
            sb.Append(SvgCurve.Render("ROC", "false-positive rate", "true-positive rate", 1, roc));
            sb.Append(SvgCurve.Render("Precision-recall", "recall", "precision", 1, pr));
            if (c.Pixel is not null)
                sb.Append(SvgCurve.Render($"PRO (AUPRO {MetricFormat.Percent(c.Pixel.Aupro)})", "false-positive rate", "per-region overlap", c.Pixel.ProFprLimit, [("pixel", c.Pixel.Pro)]));
            sb.Append("</div>");
            AppendOverlays(sb, "Best heat maps (highest per-image pixel AP)", c.Best);
            AppendOverlays(sb, "Worst heat maps (lowest per-image pixel AP)", c.Worst);
        }
        sb.Append("</body></html>\n");
        return sb.ToString();
    }

    private static void AppendOverlays(StringBuilder sb, string title, IReadOnlyList<ImageOverlay> overlays)
    {
        if (overlays.Count == 0) return;
        sb.Append($"<h3>{title}</h3><div>");
        foreach (var o in overlays)
        {
            sb.Append($"<figure><img alt=\"{MetricFormat.Escape(o.Path)}\" src=\"data:image/png;base64,{Convert.ToBase64String(o.Png)}\">");
            sb.Append($"<figcaption>{MetricFormat.Escape(o.Path)}<br>AP {MetricFormat.Percent(MetricValue.Defined(o.PixelAp))}, score {MetricFormat.Number(Math.Round(o.ImageScore, 4))}</figcaption></figure>");
        }
        sb.Append("</div>");
    }
}
