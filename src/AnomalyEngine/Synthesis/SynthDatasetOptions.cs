namespace AnomalyEngine.Synthesis;

/// <summary>What <see cref="SynthDataset.Write"/> generates.</summary>
public sealed class SynthDatasetOptions
{
    /// <summary>Image side in pixels (square images).</summary>
    public int Size { get; init; } = 64;

    /// <summary>Normal training images per surface.</summary>
    public int TrainPerSurface { get; init; } = 40;

    /// <summary>Test images per (surface, defect), and normal test images per surface.</summary>
    public int TestPerDefect { get; init; } = 10;

    /// <summary>Surfaces to generate (default: all).</summary>
    public IReadOnlyList<SurfaceKind> Surfaces { get; init; } = Enum.GetValues<SurfaceKind>();

    /// <summary>Defects to generate (default: all).</summary>
    public IReadOnlyList<DefectKind> Defects { get; init; } = Enum.GetValues<DefectKind>();

    /// <summary>The seed; the same seed gives the same files, byte for byte.</summary>
    public ulong Seed { get; init; }
}
