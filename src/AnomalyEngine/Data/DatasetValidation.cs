using AnomalyEngine.Imaging;

namespace AnomalyEngine.Data;

/// <summary>
/// Checks a dataset before anyone trains on it: empty splits, missing or orphan masks, duplicate names,
/// unreadable images, masks whose size differs from their image, masks that are not binary or are empty.
/// Every problem is one line that names the file and says what to fix. Empty masks on defective images are
/// warnings, not errors: real sets have them (5 "uneven" tiles of magnetic_tile) and image-level metrics still work.
/// </summary>
public static class DatasetValidation
{
    /// <summary>How many problems <see cref="Validate"/> quotes in its exception.</summary>
    public const int QuotedProblems = 10;

    /// <summary>
    /// Every problem found. Reads every image header and decodes every mask; with <paramref name="decodeImages"/>
    /// it also decodes every image, which finds truncated files whose header is intact.
    /// </summary>
    public static DatasetReport Check(AnomalyDataset dataset, ImageLimits? limits = null, bool decodeImages = false)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var problems = new List<string>(dataset.LayoutProblems);
        var warnings = new List<string>();
        if (!dataset.Train.Any())
            problems.Add($"{dataset.Root}: no training images; add normal images (train/good for MVTec)");
        if (!dataset.Test.Any())
            problems.Add($"{dataset.Root}: no test images; add normal and defective test images (test/<type> for MVTec)");
        if (dataset.Root is { } root && Directory.Exists(Path.Combine(root, "test")))
            foreach (string typeDir in Directory.EnumerateDirectories(Path.Combine(root, "test")).Order(StringComparer.Ordinal))
                if (ImageFiles.List(typeDir).Count == 0 && !Path.GetFileName(typeDir).StartsWith('.'))
                    problems.Add($"{typeDir}: an empty defect folder; add its images or delete it");

        var samples = dataset.Samples;
        var found = new (List<string> Errors, List<string> Warnings)[samples.Count];
        Parallel.For(0, samples.Count, i => found[i] = CheckSample(samples[i], limits, decodeImages));
        foreach (var (e, w) in found)
        {
            problems.AddRange(e);
            warnings.AddRange(w);
        }
        return new DatasetReport(problems, warnings);
    }

    /// <summary>Throws <see cref="InvalidInputException"/> quoting the first errors when <see cref="Check"/> finds any; returns the report (with its warnings) otherwise.</summary>
    public static DatasetReport Validate(AnomalyDataset dataset, ImageLimits? limits = null, bool decodeImages = false)
    {
        DatasetReport report = Check(dataset, limits, decodeImages);
        var problems = report.Errors;
        if (problems.Count == 0) return report;
        string more = problems.Count > QuotedProblems ? $"\n  ... and {problems.Count - QuotedProblems} more" : "";
        throw new InvalidInputException(
            $"dataset {dataset.Name} has {problems.Count} problem(s):\n  {string.Join("\n  ", problems.Take(QuotedProblems))}{more}");
    }

    private static (List<string>, List<string>) CheckSample(DatasetSample s, ImageLimits? limits, bool decodeImages)
    {
        var problems = new List<string>();
        var warnings = new List<string>();
        ImageInfo image;
        try
        {
            image = ImageCodec.Identify(s.ImagePath, limits);
            if (decodeImages)
                ImageCodec.ReadImage(s.ImagePath, 1, PixelRange.ZeroToOne, limits);
        }
        catch (InvalidInputException e)
        {
            problems.Add(e.Message);
            return (problems, warnings);
        }
        if (s.MaskPath is null) return (problems, warnings);
        ImageTensor mask;
        try
        {
            mask = ImageCodec.ReadImage(s.MaskPath, 1, PixelRange.ZeroToOne, limits);
        }
        catch (InvalidInputException e)
        {
            problems.Add(e.Message);
            return (problems, warnings);
        }
        if (mask.Width != image.Width || mask.Height != image.Height)
        {
            problems.Add($"{s.MaskPath}: the mask is {mask.Width}x{mask.Height} but its image {Path.GetFileName(s.ImagePath)} is {image.Width}x{image.Height}; resize the mask (nearest neighbour) to the image");
            return (problems, warnings);
        }
        int grey = 0, set = 0;
        foreach (float v in mask.Data)
        {
            if (v == 1f) set++;
            else if (v != 0f) grey++;
        }
        if (grey > 0)
            problems.Add($"{s.MaskPath}: not binary, {grey} pixel(s) are neither 0 nor full white; threshold the mask at half scale (128 for 8-bit)");
        else if (set == 0)
            warnings.Add($"{s.MaskPath}: empty, but its image is labelled '{s.Label}'; draw the defect in white or move the image to test/good");
        return (problems, warnings);
    }
}
