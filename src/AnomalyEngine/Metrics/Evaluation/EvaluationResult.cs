namespace AnomalyEngine.Metrics.Evaluation;

/// <summary>The metrics of one evaluation: per category, and per defect type inside it.</summary>
public sealed class EvaluationResult
{
    /// <summary>One entry per category, in name order.</summary>
    public required IReadOnlyList<CategoryResult> Categories { get; init; }

    /// <summary>Where the ground truth came from.</summary>
    public required string DataRoot { get; init; }

    /// <summary>Where the heat maps came from, if any.</summary>
    public string? HeatMaps { get; init; }

    /// <summary>Where the image scores came from, if any.</summary>
    public string? ImageScores { get; init; }
}

/// <summary>Metrics of one category (all its test images) and of each of its defect types (that type's images plus the good ones).</summary>
public sealed class CategoryResult
{
    /// <summary>Category name.</summary>
    public required string Category { get; init; }

    /// <summary>Number of test images (good and defective).</summary>
    public required int Images { get; init; }

    /// <summary>Image-level metrics.</summary>
    public required MetricSet Image { get; init; }

    /// <summary>Pixel-level metrics over all pixels pooled; null without heat maps.</summary>
    public MetricSet? Pixel { get; init; }

    /// <summary>Per defect type.</summary>
    public required IReadOnlyList<DefectResult> Defects { get; init; }

    /// <summary>The defective images whose heat maps rank their own pixels best (highest per-image pixel AP).</summary>
    public required IReadOnlyList<ImageOverlay> Best { get; init; }

    /// <summary>The defective images whose heat maps rank their own pixels worst (lowest per-image pixel AP).</summary>
    public required IReadOnlyList<ImageOverlay> Worst { get; init; }
}

/// <summary>Metrics of one defect type of a category (its images plus the category's good images).</summary>
public sealed class DefectResult
{
    /// <summary>Defect type (the test sub-folder name).</summary>
    public required string Defect { get; init; }

    /// <summary>Number of images of this type.</summary>
    public required int Images { get; init; }

    /// <summary>Image-level metrics.</summary>
    public required MetricSet Image { get; init; }

    /// <summary>Pixel-level metrics; null without heat maps.</summary>
    public MetricSet? Pixel { get; init; }
}

/// <summary>A rendered overlay of one test image: heat map in red, ground-truth outline in green, as a PNG.</summary>
public sealed record ImageOverlay(string Path, string Defect, double ImageScore, double PixelAp, byte[] Png);
