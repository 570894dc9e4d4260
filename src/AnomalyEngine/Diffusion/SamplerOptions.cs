namespace AnomalyEngine.Diffusion;

/// <summary>Settings of <see cref="GuidedBlendSampler"/>; the defaults are the AnoGen reference (DDIM 50, eta 0, guidance 10, strength 1).</summary>
public sealed record SamplerOptions
{
    /// <summary>Sampling steps (leading spacing over the training steps).</summary>
    public int Steps { get; init; } = 50;

    /// <summary>Offset added to every timestep (1 gives 981, ..., 1 for 50 of 1000).</summary>
    public int TimestepOffset { get; init; } = 1;

    /// <summary>DDIM or DDPM.</summary>
    public SchedulerKind Scheduler { get; init; } = SchedulerKind.Ddim;

    /// <summary>DDIM stochasticity eta in [0, 1].</summary>
    public double Eta { get; init; }

    /// <summary>Classifier-free guidance scale w: m = u + w (c - u); 1 disables guidance (and the unconditional rows).</summary>
    public float GuidanceScale { get; init; } = 10f;

    /// <summary>In (0, 1]: the fraction of the schedule run; below 1 sampling starts from the reference re-noised to the first timestep.</summary>
    public double Strength { get; init; } = 1.0;

    /// <summary>The seed of every random number (with the request's item and the step).</summary>
    public ulong Seed { get; init; }

    /// <summary>Paste the generated pixels into the original image inside the mask only.</summary>
    public bool PasteBack { get; init; } = true;

    /// <summary>Width in pixels of the paste-back's linear ramp inside the mask edge (0: hard edge).</summary>
    public int FeatherPixels { get; init; } = 2;

    internal void Validate(int trainSteps)
    {
        if (Steps < 1 || Steps > trainSteps)
            throw new InvalidOptionException($"Steps must be in 1..{trainSteps}, got {Steps}.");
        if (!(Strength > 0 && Strength <= 1))
            throw new InvalidOptionException($"Strength must be in (0, 1], got {Strength}.");
        if ((int)(Steps * Strength) < 1)
            throw new InvalidOptionException($"Strength {Strength} with {Steps} steps runs no step; raise the strength or the steps.");
        if (!(Eta >= 0 && Eta <= 1))
            throw new InvalidOptionException($"Eta must be in [0, 1], got {Eta}.");
        if (!float.IsFinite(GuidanceScale))
            throw new InvalidOptionException($"The guidance scale must be a finite number, got {GuidanceScale}.");
        if (FeatherPixels < 0 || FeatherPixels > 64)
            throw new InvalidOptionException($"FeatherPixels must be in 0..64, got {FeatherPixels}.");
    }
}
