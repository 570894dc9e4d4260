using AnomalyEngine.Diffusion;
using AnomalyEngine.Embedding;

namespace AnomalyEngine.Generation;

/// <summary>Where boxes may go.</summary>
public enum AllowedRegion
{
    /// <summary>The object's foreground (Otsu + closing), as AnoGen does for objects.</summary>
    Foreground,
    /// <summary>Anywhere in the image (textures).</summary>
    Whole,
    /// <summary>A given region template (a mask image; white = allowed), resized to each image.</summary>
    Template,
}

/// <summary>Stage-2 settings; defaults follow AnoGen (2 boxes x 2 samples per image and defect, DDIM 50, eta 0, guidance 10, strength 1).</summary>
public sealed record GenerateOptions
{
    public int BoxesPerImage { get; init; } = 2;
    public int SamplesPerBox { get; init; } = 2;
    public ulong Seed { get; init; }
    /// <summary>Sampler settings (its PasteBack and Seed are managed by the generator).</summary>
    public SamplerOptions Sampler { get; init; } = new();
    /// <summary>Items sampled together in one batch.</summary>
    public int BatchSize { get; init; } = 8;
    public AllowedRegion Region { get; init; } = AllowedRegion.Foreground;
    /// <summary>The region template for <see cref="AllowedRegion.Template"/>.</summary>
    public string? RegionTemplate { get; init; }
    /// <summary>Box sizes for every defect; null takes each embedding's range from its support masks.</summary>
    public BoxSizeRange? BoxSizes { get; init; }
    /// <summary>Outside the box, the original pixels (at the source's full resolution); otherwise the whole decoded image.</summary>
    public bool PasteBack { get; init; } = true;
    /// <summary>Also write a refined mask: box pixels whose mean absolute change exceeds this (in [0, 1] units); null: none.</summary>
    public float? RefineThreshold { get; init; }
    /// <summary>The category folder name of the output dataset.</summary>
    public string Category { get; init; } = "generated";
    public Shard Shard { get; init; } = Shard.All;
    /// <summary>Skip items already in the output's manifest.</summary>
    public bool Resume { get; init; }

    internal void Validate()
    {
        if (BoxesPerImage < 1 || SamplesPerBox < 1)
            throw new InvalidOptionException($"--boxes and --samples must be at least 1 (got {BoxesPerImage}, {SamplesPerBox}).");
        if (BatchSize < 1 || BatchSize > 256)
            throw new InvalidOptionException($"--batch must be in 1..256 (got {BatchSize}).");
        if (Region == AllowedRegion.Template && string.IsNullOrEmpty(RegionTemplate))
            throw new InvalidOptionException("--region template needs --region-template <mask image>.");
        if (RefineThreshold is { } t && !(t > 0 && t < 1))
            throw new InvalidOptionException($"--refine-threshold must lie in (0, 1) (got {t}).");
        if (string.IsNullOrWhiteSpace(Category) || Category.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            throw new InvalidOptionException($"--category must be a plain folder name (got \"{Category}\").");
    }
}
