namespace AnomalyEngine.Embedding;

/// <summary>Stage-1 settings; the defaults are AnoGen's (6100 steps, batch 4, AdamW lr 2e-2, wd 0.01, flips).</summary>
public sealed record LearnOptions
{
    public int Steps { get; init; } = 6100;
    public int BatchSize { get; init; } = 4;
    public AdamWOptions Optimizer { get; init; } = new();
    public ulong Seed { get; init; }
    /// <summary>Joint random horizontal flips of image and mask (p = 0.5).</summary>
    public bool Flip { get; init; } = true;
    public GradientMode Gradient { get; init; } = GradientMode.Auto;
    /// <summary>Gradient-free: random directions per step (K); each costs two forward rows per batch row.</summary>
    public int Directions { get; init; } = 4;
    /// <summary>Gradient-free: the smoothing radius σ, relative to the initial embedding's RMS value.</summary>
    public float Sigma { get; init; } = 0.05f;
    /// <summary>Gradient-free: draw directions in the span of the bundle's vocabulary.</summary>
    public bool VocabularySubspace { get; init; }
    /// <summary>Write a checkpoint every N steps (0: only at the end).</summary>
    public int CheckpointEvery { get; init; } = 500;

    internal void Validate()
    {
        if (Steps < 1) throw new InvalidOptionException($"--steps must be at least 1 (got {Steps}).");
        if (BatchSize < 1 || BatchSize > 256) throw new InvalidOptionException($"--batch must be in 1..256 (got {BatchSize}).");
        if (Directions < 1 || Directions > 256) throw new InvalidOptionException($"--directions must be in 1..256 (got {Directions}).");
        if (!(Sigma > 0) || !float.IsFinite(Sigma)) throw new InvalidOptionException($"--sigma must be a positive number (got {Sigma}).");
        if (CheckpointEvery < 0) throw new InvalidOptionException($"--checkpoint-every must be zero or positive (got {CheckpointEvery}).");
        Optimizer.Validate();
    }
}
