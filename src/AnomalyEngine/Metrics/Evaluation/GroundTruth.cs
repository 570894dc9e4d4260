using AnomalyEngine.Data;
using AnomalyEngine.Imaging;

namespace AnomalyEngine.Metrics.Evaluation;

/// <summary>One test image of the ground truth: its key (path relative to the data root, no extension), its defect type ("good" when normal) and its mask file.</summary>
internal sealed record TestSample(string Category, string Defect, string Key, string ImagePath, string? MaskPath)
{
    public bool IsAnomalous => Defect != GroundTruth.Good;
}

/// <summary>The test images and masks of an MVTec- or Folder-layout dataset, read through the Data layer.</summary>
internal static class GroundTruth
{
    public const string Good = AnomalyDataset.Good;

    public static IReadOnlyList<TestSample> Scan(string root, DatasetLayout layout, string? category)
    {
        if (!Directory.Exists(root))
            throw new InvalidInputException($"dataset folder '{root}' does not exist.");
        var samples = new List<TestSample>();
        foreach (var set in Datasets(root, layout))
        {
            foreach (var s in set.Test)
            {
                if (s.IsAnomalous && s.MaskPath is null)
                    throw new InvalidInputException($"defective test image '{s.ImagePath}' has no mask: add it (MVTec: ground_truth/{s.Label}/{s.Name}_mask.png).");
                samples.Add(new TestSample(set.Name, s.Label, KeyOf(root, s.ImagePath), s.ImagePath, s.MaskPath));
            }
        }
        if (category is not null) samples = samples.Where(s => s.Category == category).ToList();
        if (samples.Count == 0)
            throw new InvalidInputException(layout == DatasetLayout.MvTec
                ? $"no test images under '{root}': expected <category>/test/<good|defect>/*.png (MVTec layout){(category is null ? "" : $" for category '{category}'")}."
                : $"no test images under '{root}': expected normal/ and abnormal/ folders (Folder layout).");
        return samples;
    }

    private static IEnumerable<AnomalyDataset> Datasets(string root, DatasetLayout layout)
    {
        if (layout == DatasetLayout.Folder)
        {
            string abnormal = Path.Combine(root, "abnormal"), masks = Path.Combine(root, "mask");
            // Normal test images: the Data layer's hold-out (every 5th normal image), the same split training used.
            yield return FolderLayout.Read(Path.Combine(root, "normal"), Directory.Exists(abnormal) ? abnormal : null,
                Directory.Exists(masks) ? masks : null, name: Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(root))));
            yield break;
        }
        var categories = Directory.Exists(Path.Combine(root, "test"))
            ? [root]
            : Directory.GetDirectories(root).Where(d => Directory.Exists(Path.Combine(d, "test"))).Order(StringComparer.Ordinal).ToList();
        foreach (string dir in categories) yield return MvtecLayout.Read(dir);
    }

    /// <summary>The path relative to the root, '/'-separated, without extension: how heat maps and CSV rows are matched.</summary>
    public static string KeyOf(string root, string path)
    {
        string rel = Path.GetRelativePath(Path.GetFullPath(root), Path.GetFullPath(path)).Replace('\\', '/');
        return StripExtension(rel);
    }

    public static string StripExtension(string rel)
    {
        string ext = Path.GetExtension(rel);
        return ext.Length > 0 ? rel[..^ext.Length] : rel;
    }

    /// <summary>Binary mask (1 = anomalous) through the Imaging layer's reader.</summary>
    public static (byte[] Mask, int Width, int Height) LoadMask(string path)
    {
        var mask = ImageCodec.ReadMask(path);
        return (mask.Data, mask.Width, mask.Height);
    }
}
