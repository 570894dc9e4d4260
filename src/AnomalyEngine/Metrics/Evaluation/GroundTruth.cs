using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AnomalyEngine.Metrics.Evaluation;

/// <summary>One test image of the ground truth: its key (path relative to the data root, no extension), its defect type ("good" when normal) and its mask file.</summary>
internal sealed record TestSample(string Category, string Defect, string Key, string ImagePath, string? MaskPath)
{
    public bool IsAnomalous => Defect != GroundTruth.Good;
}

/// <summary>Finds the test images and masks of an MVTec- or Folder-layout dataset (until the Data layer provides a reader).</summary>
internal static class GroundTruth
{
    public const string Good = "good";
    private static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"];

    public static IReadOnlyList<TestSample> Scan(string root, DatasetLayout layout, string? category)
    {
        if (!Directory.Exists(root))
            throw new InvalidInputException($"dataset folder '{root}' does not exist.");
        var samples = layout == DatasetLayout.Folder ? ScanFolder(root) : ScanMvTec(root);
        if (category is not null) samples = samples.Where(s => s.Category == category).ToList();
        if (samples.Count == 0)
            throw new InvalidInputException(layout == DatasetLayout.MvTec
                ? $"no test images under '{root}': expected <category>/test/<good|defect>/*.png (MVTec layout){(category is null ? "" : $" for category '{category}'")}."
                : $"no test images under '{root}': expected normal/ and abnormal/ folders (Folder layout).");
        return samples;
    }

    private static List<TestSample> ScanMvTec(string root)
    {
        var categories = Directory.Exists(Path.Combine(root, "test"))
            ? [root]
            : Directory.GetDirectories(root).Where(d => Directory.Exists(Path.Combine(d, "test"))).Order(StringComparer.Ordinal).ToList();
        var samples = new List<TestSample>();
        foreach (string dir in categories)
        {
            string category = Path.GetFileName(Path.TrimEndingDirectorySeparator(dir));
            foreach (string defectDir in Directory.GetDirectories(Path.Combine(dir, "test")).Order(StringComparer.Ordinal))
            {
                string defect = Path.GetFileName(defectDir);
                foreach (string image in Images(defectDir))
                {
                    string stem = Path.GetFileNameWithoutExtension(image);
                    string? mask = null;
                    if (defect != Good)
                    {
                        mask = Path.Combine(dir, "ground_truth", defect, stem + "_mask.png");
                        if (!File.Exists(mask))
                            throw new InvalidInputException($"defective image '{image}' has no mask: expected '{mask}'.");
                    }
                    samples.Add(new TestSample(category, defect, KeyOf(root, image), image, mask));
                }
            }
        }
        return samples;
    }

    private static List<TestSample> ScanFolder(string root)
    {
        string category = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)));
        var samples = new List<TestSample>();
        string normal = Path.Combine(root, "normal"), abnormal = Path.Combine(root, "abnormal"), masks = Path.Combine(root, "mask");
        if (Directory.Exists(normal))
            samples.AddRange(Images(normal).Select(i => new TestSample(category, Good, KeyOf(root, i), i, null)));
        if (Directory.Exists(abnormal))
        {
            foreach (string image in Images(abnormal))
            {
                string stem = Path.GetFileNameWithoutExtension(image);
                string? mask = new[] { stem + ".png", stem + "_mask.png" }.Select(n => Path.Combine(masks, n)).FirstOrDefault(File.Exists)
                    ?? throw new InvalidInputException($"abnormal image '{image}' has no mask: expected '{Path.Combine(masks, stem + ".png")}'.");
                samples.Add(new TestSample(category, "abnormal", KeyOf(root, image), image, mask));
            }
        }
        return samples;
    }

    private static IEnumerable<string> Images(string dir) =>
        Directory.GetFiles(dir).Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal);

    /// <summary>The path relative to the root, '/'-separated, without extension: how heat maps and CSV rows are matched.</summary>
    public static string KeyOf(string root, string path)
    {
        string rel = Path.GetRelativePath(root, path).Replace('\\', '/');
        return StripExtension(rel);
    }

    public static string StripExtension(string rel)
    {
        string ext = Path.GetExtension(rel);
        return ext.Length > 0 ? rel[..^ext.Length] : rel;
    }

    /// <summary>Binary mask (non-zero = anomalous) as bytes 0/1.</summary>
    public static (byte[] Mask, int Width, int Height) LoadMask(string path)
    {
        try
        {
            using var image = Image.Load<L8>(path);
            var raw = new byte[image.Width * image.Height];
            image.CopyPixelDataTo(raw);
            for (int i = 0; i < raw.Length; i++) raw[i] = raw[i] != 0 ? (byte)1 : (byte)0;
            return (raw, image.Width, image.Height);
        }
        catch (Exception e) when (e is IOException or UnknownImageFormatException or InvalidImageContentException)
        {
            throw new InvalidInputException($"cannot read mask '{path}': {e.Message}", e);
        }
    }
}
