namespace AnomalyEngine.Data;

/// <summary>
/// A layout of plain folders, as anomalib's Folder dataset: a folder of normal images, optionally a folder of
/// defective images (labelled with that folder's name), a folder of their masks (matched by file name), and
/// a folder of normal test images (otherwise every <c>testEvery</c>-th normal image, in name order, is held out).
/// </summary>
public static class FolderLayout
{
    /// <summary>Lists the folders; structural problems (missing masks, duplicates) are kept for <see cref="DatasetValidation"/>.</summary>
    /// <param name="normalDir">Normal images.</param>
    /// <param name="abnormalDir">Defective images, or null for a normal-only set.</param>
    /// <param name="maskDir">Masks named like their image (<c>name.png</c> or <c>name_mask.png</c>), or null when there are none.</param>
    /// <param name="normalTestDir">Normal test images, or null to hold out normal images instead.</param>
    /// <param name="testEvery">Without <paramref name="normalTestDir"/>: normal images 0, n, 2n, ... (name order) go to test; 0 keeps all for training.</param>
    /// <param name="name">The dataset name (default: the normal folder's parent folder name).</param>
    public static AnomalyDataset Read(string normalDir, string? abnormalDir = null, string? maskDir = null, string? normalTestDir = null, int testEvery = 5, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(normalDir);
        if (testEvery < 0)
            throw new InvalidOptionException($"testEvery {testEvery} must be 0 (no hold-out) or more");
        string normal = Existing(normalDir, "normal");
        var samples = new List<DatasetSample>();
        var problems = new List<string>();

        var normals = ImageFiles.List(normal);
        problems.AddRange(ImageFiles.Duplicates(normals, normal));
        if (normalTestDir is not null)
        {
            string normalTest = Existing(normalTestDir, "normal test");
            samples.AddRange(normals.Select(f => new DatasetSample(f, DatasetSplit.Train, AnomalyDataset.Good, null)));
            var tests = ImageFiles.List(normalTest);
            problems.AddRange(ImageFiles.Duplicates(tests, normalTest));
            samples.AddRange(tests.Select(f => new DatasetSample(f, DatasetSplit.Test, AnomalyDataset.Good, null)));
        }
        else
        {
            for (int i = 0; i < normals.Count; i++)
            {
                bool held = testEvery > 0 && i % testEvery == 0;
                samples.Add(new DatasetSample(normals[i], held ? DatasetSplit.Test : DatasetSplit.Train, AnomalyDataset.Good, null));
            }
        }

        if (abnormalDir is not null)
        {
            string abnormal = Existing(abnormalDir, "abnormal");
            string label = Path.GetFileName(abnormal);
            if (label == AnomalyDataset.Good)
                throw new InvalidOptionException($"{abnormalDir}: the abnormal folder's name is its defect label and cannot be 'good'; rename it");
            var files = ImageFiles.List(abnormal);
            problems.AddRange(ImageFiles.Duplicates(files, abnormal));
            string? masks = maskDir is null ? null : Existing(maskDir, "mask");
            var maskByStem = masks is null ? null : MasksByStem(masks, problems);
            foreach (string f in files)
            {
                string stem = Path.GetFileNameWithoutExtension(f);
                string? mask = null;
                if (maskByStem is not null && !maskByStem.TryGetValue(stem, out mask))
                    problems.Add($"{f}: no mask; add {Path.Combine(masks!, stem + ".png")} (0 background, 255 defect, same size as the image)");
                samples.Add(new DatasetSample(f, DatasetSplit.Test, label, mask));
            }
        }
        else if (maskDir is not null)
        {
            throw new InvalidOptionException("a mask folder was given without an abnormal folder; give the defective images too");
        }

        string root = Path.GetDirectoryName(normal) ?? normal;
        return new AnomalyDataset(name ?? Path.GetFileName(root), root, MvtecLayout.Order(samples), problems);
    }

    private static string Existing(string dir, string what)
    {
        string full = Path.GetFullPath(dir);
        if (!Directory.Exists(full))
            throw new InvalidInputException($"{dir}: no such {what} folder");
        return full;
    }

    private static Dictionary<string, string> MasksByStem(string maskDir, List<string> problems)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string m in ImageFiles.List(maskDir))
        {
            string stem = Path.GetFileNameWithoutExtension(m);
            if (stem.EndsWith("_mask", StringComparison.Ordinal)) stem = stem[..^"_mask".Length];
            if (!map.TryAdd(stem, m))
                problems.Add($"{m}: a second mask for '{stem}' (the first is {Path.GetFileName(map[stem])}); keep one");
        }
        return map;
    }
}
