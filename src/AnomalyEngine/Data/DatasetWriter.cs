using AnomalyEngine.Imaging;

namespace AnomalyEngine.Data;

/// <summary>
/// Writes images and masks into one MVTec AD category folder (<c>train/good</c>, <c>test/&lt;type&gt;</c>,
/// <c>ground_truth/&lt;type&gt;/&lt;name&gt;_mask.png</c>) as PNG, each file atomically; returns paths relative to the category.
/// </summary>
public sealed class DatasetWriter
{
    /// <summary>Writes under <paramref name="categoryDir"/> (created on first write).</summary>
    public DatasetWriter(string categoryDir)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(categoryDir);
        CategoryDir = Path.GetFullPath(categoryDir);
    }

    /// <summary>The category folder.</summary>
    public string CategoryDir { get; }

    /// <summary>Writes a normal image to train/good or test/good as <c>name.png</c>; returns its relative path.</summary>
    public string WriteNormal(DatasetSplit split, string name, ImageTensor image, PixelRange range = PixelRange.ZeroToOne)
    {
        ArgumentNullException.ThrowIfNull(image);
        string rel = NormalPath(split, name);
        ImageCodec.WriteImage(Path.Combine(CategoryDir, rel), image, range);
        return rel;
    }

    /// <summary>Writes a defective test image and its mask (same size); returns both relative paths.</summary>
    public (string Image, string Mask) WriteDefect(string defectType, string name, ImageTensor image, Mask mask, PixelRange range = PixelRange.ZeroToOne)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(mask);
        if (mask.Height != image.Height || mask.Width != image.Width)
            throw new InvalidInputException($"defect {defectType}/{name}: the mask is {mask.Width}x{mask.Height} but the image is {image.Width}x{image.Height}");
        var (imageRel, maskRel) = DefectPaths(defectType, name);
        // The mask goes first: a reader that sees the image can rely on its mask being there.
        ImageCodec.WriteMask(Path.Combine(CategoryDir, maskRel), mask);
        ImageCodec.WriteImage(Path.Combine(CategoryDir, imageRel), image, range);
        return (imageRel, maskRel);
    }

    /// <summary>Writes already-encoded PNG bytes of a normal image.</summary>
    internal string WriteNormalPng(DatasetSplit split, string name, ReadOnlySpan<byte> png)
    {
        string rel = NormalPath(split, name);
        AtomicFile.Write(Path.Combine(CategoryDir, rel), png);
        return rel;
    }

    /// <summary>Writes already-encoded PNG bytes of a defective image and its mask.</summary>
    internal (string Image, string Mask) WriteDefectPng(string defectType, string name, ReadOnlySpan<byte> png, ReadOnlySpan<byte> maskPng)
    {
        var (imageRel, maskRel) = DefectPaths(defectType, name);
        AtomicFile.Write(Path.Combine(CategoryDir, maskRel), maskPng);
        AtomicFile.Write(Path.Combine(CategoryDir, imageRel), png);
        return (imageRel, maskRel);
    }

    private static string NormalPath(DatasetSplit split, string name) =>
        Path.Combine(split == DatasetSplit.Train ? "train" : "test", AnomalyDataset.Good, CheckName(name, "image name") + ".png");

    private static (string, string) DefectPaths(string defectType, string name)
    {
        CheckName(defectType, "defect type");
        CheckName(name, "image name");
        if (defectType == AnomalyDataset.Good)
            throw new InvalidOptionException("'good' is the label of normal images; give the defect a type name such as 'scratch'");
        return (Path.Combine("test", defectType, name + ".png"), Path.Combine("ground_truth", defectType, name + MvtecLayout.MaskSuffix));
    }

    private static string CheckName(string value, string what)
    {
        if (string.IsNullOrWhiteSpace(value) || value is "." or ".." || value.IndexOfAny(['/', '\\', ':', '\0']) >= 0 || value != value.Trim())
            throw new InvalidOptionException($"{what} '{value}' must be a plain file name (no folders, no surrounding spaces)");
        return value;
    }
}
