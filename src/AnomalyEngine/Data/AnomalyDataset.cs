namespace AnomalyEngine.Data;

/// <summary>A set of normal and defective images with masks, as read by <see cref="MvtecLayout"/> or <see cref="FolderLayout"/>.</summary>
public sealed class AnomalyDataset
{
    /// <summary>The label of normal images.</summary>
    public const string Good = "good";

    internal AnomalyDataset(string name, string root, IReadOnlyList<DatasetSample> samples, IReadOnlyList<string> problems)
    {
        Name = name;
        Root = root;
        Samples = samples;
        LayoutProblems = problems;
    }

    /// <summary>The category name (the folder name for MVTec).</summary>
    public string Name { get; }

    /// <summary>The folder the dataset was read from.</summary>
    public string Root { get; }

    /// <summary>Every image, in a stable order: train then test, labels and names sorted ordinally.</summary>
    public IReadOnlyList<DatasetSample> Samples { get; }

    /// <summary>The training images.</summary>
    public IEnumerable<DatasetSample> Train => Samples.Where(s => s.Split == DatasetSplit.Train);

    /// <summary>The test images.</summary>
    public IEnumerable<DatasetSample> Test => Samples.Where(s => s.Split == DatasetSplit.Test);

    /// <summary>The defect types present in the test split, sorted.</summary>
    public IReadOnlyList<string> DefectTypes => Samples.Where(s => s.IsAnomalous).Select(s => s.Label).Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>Problems found while listing the folders (missing masks, duplicate names, orphan masks), each saying what to fix.</summary>
    internal IReadOnlyList<string> LayoutProblems { get; }

    /// <summary>The number of images with a given split and label.</summary>
    public int Count(DatasetSplit split, string label) => Samples.Count(s => s.Split == split && s.Label == label);
}
