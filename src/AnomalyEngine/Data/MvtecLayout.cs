namespace AnomalyEngine.Data;

/// <summary>
/// The MVTec AD layout of one category: <c>train/good/*</c>, <c>test/&lt;type&gt;/*</c> (with <c>test/good</c> for normal test images)
/// and <c>ground_truth/&lt;type&gt;/&lt;name&gt;_mask.png</c> for every defective test image.
/// </summary>
public static class MvtecLayout
{
    /// <summary>The suffix of a mask file name after the image's name.</summary>
    public const string MaskSuffix = "_mask.png";

    /// <summary>Lists a category folder; structural problems (missing masks, duplicates) are kept for <see cref="DatasetValidation"/>.</summary>
    public static AnomalyDataset Read(string categoryDir)
    {
        ArgumentNullException.ThrowIfNull(categoryDir);
        string root = Path.GetFullPath(categoryDir);
        if (!Directory.Exists(root))
            throw new InvalidInputException($"{categoryDir}: no such folder; give an MVTec AD category folder (holding train/ and test/)");
        string train = Path.Combine(root, "train"), test = Path.Combine(root, "test"), truth = Path.Combine(root, "ground_truth");
        if (!Directory.Exists(train) && !Directory.Exists(test))
            throw new InvalidInputException($"{categoryDir}: not an MVTec AD category, it has neither train/ nor test/; expected train/good, test/<type> and ground_truth/<type>");

        var samples = new List<DatasetSample>();
        var problems = new List<string>();
        string trainGood = Path.Combine(train, AnomalyDataset.Good);
        if (!Directory.Exists(trainGood))
            problems.Add($"{trainGood}: missing; put the normal training images in train/good");
        foreach (string other in SubFolders(train).Where(d => Path.GetFileName(d) != AnomalyDataset.Good))
            problems.Add($"{other}: training holds only normal images, in train/good; move these images to test/{Path.GetFileName(other)}");
        var trainFiles = ImageFiles.List(trainGood);
        problems.AddRange(ImageFiles.Duplicates(trainFiles, trainGood));
        samples.AddRange(trainFiles.Select(f => new DatasetSample(f, DatasetSplit.Train, AnomalyDataset.Good, null)));

        foreach (string typeDir in SubFolders(test))
        {
            string type = Path.GetFileName(typeDir);
            var files = ImageFiles.List(typeDir);
            problems.AddRange(ImageFiles.Duplicates(files, typeDir));
            if (type == AnomalyDataset.Good)
            {
                samples.AddRange(files.Select(f => new DatasetSample(f, DatasetSplit.Test, type, null)));
                continue;
            }
            string maskDir = Path.Combine(truth, type);
            foreach (string f in files)
            {
                string mask = Path.Combine(maskDir, Path.GetFileNameWithoutExtension(f) + MaskSuffix);
                bool found = File.Exists(mask);
                if (!found)
                    problems.Add($"{f}: no mask; add {mask} (0 background, 255 defect, same size as the image)");
                samples.Add(new DatasetSample(f, DatasetSplit.Test, type, found ? mask : null));
            }
            var names = files.Select(Path.GetFileNameWithoutExtension).ToHashSet(StringComparer.Ordinal);
            if (Directory.Exists(maskDir))
                foreach (string m in Directory.EnumerateFiles(maskDir, "*" + MaskSuffix).Order(StringComparer.Ordinal))
                {
                    string stem = Path.GetFileName(m)[..^MaskSuffix.Length];
                    if (!names.Contains(stem))
                        problems.Add($"{m}: a mask without an image; add test/{type}/{stem}.png or delete the mask");
                }
        }
        foreach (string maskDir in SubFolders(truth))
            if (!Directory.Exists(Path.Combine(test, Path.GetFileName(maskDir))))
                problems.Add($"{maskDir}: masks for a defect type with no test/{Path.GetFileName(maskDir)} folder; add the images or delete the masks");

        return new AnomalyDataset(Path.GetFileName(root), root, Order(samples), problems);
    }

    private static IEnumerable<string> SubFolders(string dir) =>
        Directory.Exists(dir) ? Directory.EnumerateDirectories(dir).Where(d => !Path.GetFileName(d).StartsWith('.')).Order(StringComparer.Ordinal) : [];

    internal static List<DatasetSample> Order(IEnumerable<DatasetSample> samples) =>
        samples.OrderBy(s => s.Split).ThenBy(s => s.Label == AnomalyDataset.Good ? "" : s.Label, StringComparer.Ordinal)
            .ThenBy(s => Path.GetFileName(s.ImagePath), StringComparer.Ordinal).ToList();
}
