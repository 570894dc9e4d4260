namespace AnomalyEngine.Metrics.Evaluation;

/// <summary>How the ground-truth dataset is laid out.</summary>
public enum DatasetLayout
{
    /// <summary>MVTec AD: &lt;category&gt;/test/&lt;defect|good&gt;/x.png with masks at &lt;category&gt;/ground_truth/&lt;defect&gt;/x_mask.png.</summary>
    MvTec,
    /// <summary>Folder: normal/, abnormal/ and mask/ (x.png or x_mask.png) under one root; one category, one defect type.</summary>
    Folder,
}

/// <summary>What to evaluate: a ground-truth dataset plus heat maps and/or image scores.</summary>
public sealed record EvaluationRequest
{
    /// <summary>The ground-truth dataset root (a category folder or a folder of categories).</summary>
    public required string DataRoot { get; init; }

    /// <summary>The dataset layout.</summary>
    public DatasetLayout Layout { get; init; } = DatasetLayout.MvTec;

    /// <summary>A folder of heat maps (.npy, float .tiff, 8/16-bit .png) named like the test images, relative to the data root (with or without the category and "test/" parts).</summary>
    public string? HeatMaps { get; init; }

    /// <summary>A CSV of image scores, one "path,score" line per test image (a header line is allowed); without it an image's score is its heat map's maximum.</summary>
    public string? ImageScores { get; init; }

    /// <summary>Only this category (null: all).</summary>
    public string? Category { get; init; }

    /// <summary>Metric settings (AUPRO limit, device).</summary>
    public MetricOptions Metrics { get; init; } = new();

    /// <summary>How many best and worst anomalous images to render as overlays per category.</summary>
    public int Overlays { get; init; } = 3;
}
