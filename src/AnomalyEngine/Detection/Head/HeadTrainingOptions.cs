using AnomalyEngine.Imaging;
namespace AnomalyEngine.Detection.Head;

/// <summary>Settings of detector B's training (defaults: ANOGEN.md's DRAEM mixture, focal gamma 2, tau 0.1).</summary>
public sealed record HeadTrainingOptions
{
    /// <summary>Width of the feature adaptor (a 1x1 linear map of the 384 backbone channels).</summary>
    public int AdaptorDim { get; init; } = 256;

    /// <summary>Width of the discriminator's hidden layer.</summary>
    public int HiddenDim { get; init; } = 128;

    /// <summary>Optimiser steps.</summary>
    public int Steps { get; init; } = 300;

    /// <summary>Images per step.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>AdamW learning rate.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>AdamW decoupled weight decay.</summary>
    public float WeightDecay { get; init; } = 0.01f;

    /// <summary>Focal loss exponent (DRAEM 2, DeSTSeg 4).</summary>
    public float FocalGamma { get; init; } = 2f;

    /// <summary>Weak supervision threshold: a location inside a box counts as anomalous only when p &gt; tau.</summary>
    public float Tau { get; init; } = 0.1f;

    /// <summary>
    /// Steps at the start during which every location inside a mask counts as anomalous (w = 1);
    /// after them AnoGen's rule w = [B = 0] OR [p &gt; tau] applies. 0 = the rule from the first step, as
    /// the paper states it; measured on hazelnut_toy (bench/results/detection.md) that collapses: the many
    /// normal locations push every p below tau within a few steps and no mask location is learned.
    /// </summary>
    public int WarmupSteps { get; init; } = 50;

    /// <summary>Share of samples with a Perlin anomaly.</summary>
    public float PerlinFraction { get; init; } = 0.25f;

    /// <summary>Share of samples drawn from the generated anomalies; the rest are normal images.</summary>
    public float GeneratedFraction { get; init; } = 0.25f;

    /// <summary>Gaussian smoothing of the image-sized map, in pixels.</summary>
    public float SmoothingSigma { get; init; } = 4f;

    /// <summary>Seed of every random draw (initial weights, mixture, Perlin anomalies).</summary>
    public ulong Seed { get; init; }

    internal void Validate()
    {
        if (AdaptorDim < 1 || HiddenDim < 1 || Steps < 0 || BatchSize < 1 || WarmupSteps < 0)
            throw new InvalidOptionException("Adaptor and hidden widths, steps and batch size must be positive.");
        if (!(LearningRate > 0) || !(WeightDecay >= 0) || !(FocalGamma >= 0))
            throw new InvalidOptionException("The learning rate must be positive, the weight decay and focal gamma non-negative.");
        if (!(Tau is >= 0 and < 1))
            throw new InvalidOptionException($"tau must be in [0, 1), not {Tau}.");
        if (!(PerlinFraction >= 0) || !(GeneratedFraction >= 0) || PerlinFraction + GeneratedFraction > 1.0001f)
            throw new InvalidOptionException($"The Perlin ({PerlinFraction}) and generated ({GeneratedFraction}) shares must be non-negative and sum to at most 1.");
    }
}

/// <summary>A generated anomaly: the image and its box mask (height x width, non-zero inside the box).</summary>
public sealed record GeneratedAnomaly(ImageTensor Image, float[] Mask);

/// <summary>Progress of detector B's training.</summary>
public readonly record struct HeadTrainingProgress(int Step, int Steps, double Loss);
