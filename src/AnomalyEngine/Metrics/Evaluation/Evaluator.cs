using System.Globalization;

namespace AnomalyEngine.Metrics.Evaluation;

/// <summary>Evaluates heat maps and/or image scores against a ground-truth dataset, per category and per defect type.</summary>
public static class Evaluator
{
    private sealed record Loaded(TestSample Sample, float[]? Scores, byte[]? Mask, int Width, int Height, float ImageScore);

    /// <summary>Runs the evaluation; <paramref name="progress"/> receives one line per category.</summary>
    public static EvaluationResult Run(EvaluationRequest request, IProgress<string>? progress = null)
    {
        if (request.HeatMaps is null && request.ImageScores is null)
            throw new InvalidOptionException("nothing to evaluate: give a folder of heat maps, a CSV of image scores, or both.");
        if (request.HeatMaps is not null && !Directory.Exists(request.HeatMaps))
            throw new InvalidInputException($"heat map folder '{request.HeatMaps}' does not exist.");
        var samples = GroundTruth.Scan(request.DataRoot, request.Layout, request.Category);
        var csv = request.ImageScores is null ? null : ReadScores(request.ImageScores);

        var categories = new List<CategoryResult>();
        foreach (var group in samples.GroupBy(s => s.Category).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var loaded = group.Select(s => Load(s, request, csv)).ToList();
            categories.Add(Evaluate(group.Key, loaded, request));
            progress?.Report($"{group.Key}: {loaded.Count} images");
        }
        return new EvaluationResult { Categories = categories, DataRoot = request.DataRoot, HeatMaps = request.HeatMaps, ImageScores = request.ImageScores };
    }

    private static CategoryResult Evaluate(string category, List<Loaded> items, EvaluationRequest request)
    {
        bool pixels = request.HeatMaps is not null;
        var goods = items.Where(i => !i.Sample.IsAnomalous).ToList();
        var defects = new List<DefectResult>();
        foreach (var d in items.Where(i => i.Sample.IsAnomalous).GroupBy(i => i.Sample.Defect).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var subset = goods.Concat(d).ToList();
            defects.Add(new DefectResult { Defect = d.Key, Images = d.Count(), Image = ImageLevel(subset, request), Pixel = pixels ? PixelLevel(subset, request) : null });
        }
        var ranked = pixels
            ? items.Where(i => i.Sample.IsAnomalous)
                .Select(i => (Item: i, Ap: ImageMetrics.Compute(i.Scores, i.Mask!.Select(v => v != 0).ToArray()).AveragePrecision.Value))
                .OrderByDescending(x => x.Ap).ThenBy(x => x.Item.Sample.Key, StringComparer.Ordinal).ToList()
            : [];
        float lo = pixels ? items.Min(i => i.Scores!.Min()) : 0, hi = pixels ? items.Max(i => i.Scores!.Max()) : 1;
        ImageOverlay Render((Loaded Item, double Ap) x) => new(x.Item.Sample.Key, x.Item.Sample.Defect, x.Item.ImageScore, x.Ap,
            OverlayRenderer.Render(x.Item.Sample.ImagePath, x.Item.Scores!, x.Item.Mask!, x.Item.Width, x.Item.Height, lo, hi));
        int n = Math.Min(request.Overlays, ranked.Count);
        return new CategoryResult
        {
            Category = category,
            Images = items.Count,
            Image = ImageLevel(items, request),
            Pixel = pixels ? PixelLevel(items, request) : null,
            Defects = defects,
            Best = ranked.Take(n).Select(Render).ToList(),
            Worst = ranked.Skip(Math.Max(n, ranked.Count - n)).Reverse().Select(Render).ToList(),
        };
    }

    private static MetricSet ImageLevel(List<Loaded> items, EvaluationRequest request) =>
        ImageMetrics.Compute(items.Select(i => i.ImageScore).ToArray(), items.Select(i => i.Sample.IsAnomalous).ToArray(), request.Metrics);

    private static MetricSet PixelLevel(List<Loaded> items, EvaluationRequest request)
    {
        var acc = new PixelMetricAccumulator((int)Math.Min(Array.MaxLength, items.Sum(i => (long)i.Width * i.Height)));
        foreach (var i in items) acc.Add(i.Scores, i.Mask, i.Width, i.Height);
        return acc.Compute(request.Metrics);
    }

    private static Loaded Load(TestSample s, EvaluationRequest request, Dictionary<string, float>? csv)
    {
        float? csvScore = null;
        if (csv is not null)
        {
            string? hit = Variants(s).FirstOrDefault(csv.ContainsKey);
            if (hit is not null) csvScore = csv[hit];
            else if (request.HeatMaps is null)
                throw new InvalidInputException($"no score for test image '{s.Key}' in '{request.ImageScores}': add a line \"{s.Key}.png,<score>\".");
        }
        if (request.HeatMaps is null)
            return new Loaded(s, null, null, 0, 0, csvScore!.Value);

        string? mapPath = Variants(s).SelectMany(v => HeatMapReader.Extensions.Select(e => Path.Combine(request.HeatMaps, v + e))).FirstOrDefault(File.Exists)
            ?? throw new InvalidInputException($"no heat map for test image '{s.Key}': expected '{Path.Combine(request.HeatMaps, s.Key)}.npy' (or .tiff/.png; the category and 'test/' folders may be left out).");
        var map = HeatMapReader.Read(mapPath);
        byte[] mask;
        int w, h;
        if (s.MaskPath is not null)
        {
            (mask, w, h) = GroundTruth.LoadMask(s.MaskPath);
            map = HeatMapReader.Resize(map, w, h); // maps at the model's resolution are upsampled to the ground truth's
        }
        else
        {
            (w, h) = (map.Width, map.Height);
            mask = new byte[w * h];
        }
        ScoreKey.EnsureFinite(map.Values, $"heat map '{mapPath}'");
        return new Loaded(s, map.Values, mask, w, h, csvScore ?? map.Values.Max());
    }

    /// <summary>Names a prediction may carry for a sample: the key, without "test/", with or without the category in front.</summary>
    private static IEnumerable<string> Variants(TestSample s)
    {
        var parts = s.Key.Split('/').ToList();
        var withoutTest = parts.Where((p, i) => !(p == "test" && i < parts.Count - 1)).ToList();
        var seen = new HashSet<string>();
        foreach (var v in new[] { parts, withoutTest })
        {
            string joined = string.Join('/', v);
            if (seen.Add(joined)) yield return joined;
            if (v[0] == s.Category && v.Count > 1 && seen.Add(string.Join('/', v.Skip(1)))) yield return string.Join('/', v.Skip(1));
            if (v[0] != s.Category && seen.Add(s.Category + "/" + joined)) yield return s.Category + "/" + joined;
        }
    }

    private static Dictionary<string, float> ReadScores(string path)
    {
        if (!File.Exists(path))
            throw new InvalidInputException($"image score file '{path}' does not exist.");
        var scores = new Dictionary<string, float>(StringComparer.Ordinal);
        int lineNo = 0;
        foreach (string raw in File.ReadLines(path))
        {
            lineNo++;
            string line = raw.Trim();
            if (line.Length == 0) continue;
            int comma = line.LastIndexOf(',');
            bool ok = comma > 0 && float.TryParse(line[(comma + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out float score);
            if (!ok)
            {
                if (lineNo == 1) continue; // header
                throw new InvalidInputException($"'{path}' line {lineNo}: expected \"path,score\", got \"{line}\".");
            }
            float value = float.Parse(line[(comma + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture);
            string key = GroundTruth.StripExtension(line[..comma].Trim().Trim('"').Replace('\\', '/').TrimStart('.', '/'));
            scores[key] = value;
        }
        return scores;
    }
}
