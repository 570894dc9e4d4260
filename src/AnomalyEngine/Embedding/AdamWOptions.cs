namespace AnomalyEngine.Embedding;

/// <summary>AdamW hyper-parameters. Defaults are AnoGen's stage 1: effective lr 2e-2 (5e-3 × batch 4), weight decay 0.01.</summary>
public sealed record AdamWOptions
{
    public double LearningRate { get; init; } = 2e-2;
    public double WeightDecay { get; init; } = 0.01;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    public double Epsilon { get; init; } = 1e-8;

    internal void Validate()
    {
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
            throw new InvalidOptionException($"The learning rate must be a positive number (got {LearningRate}).");
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay))
            throw new InvalidOptionException($"The weight decay must be zero or positive (got {WeightDecay}).");
        if (!(Beta1 >= 0 && Beta1 < 1) || !(Beta2 >= 0 && Beta2 < 1))
            throw new InvalidOptionException($"AdamW betas must lie in [0, 1) (got {Beta1}, {Beta2}).");
        if (!(Epsilon > 0))
            throw new InvalidOptionException($"AdamW epsilon must be positive (got {Epsilon}).");
    }
}
