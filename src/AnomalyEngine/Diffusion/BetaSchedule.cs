namespace AnomalyEngine.Diffusion;

/// <summary>How the per-step noise variances beta_t are laid out over the training steps.</summary>
public enum BetaSchedule
{
    /// <summary>beta_t evenly spaced from beta_start to beta_end ("linear", Ho et al. 2020).</summary>
    Linear,
    /// <summary>sqrt(beta_t) evenly spaced, then squared ("scaled_linear", the LDM / Stable Diffusion schedule).</summary>
    ScaledLinear,
    /// <summary>The cosine schedule of Nichol and Dhariwal 2021, betas capped at 0.999 ("squaredcos_cap_v2").</summary>
    SquaredCosCapV2,
}
