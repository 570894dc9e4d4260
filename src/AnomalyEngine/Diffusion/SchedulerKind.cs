namespace AnomalyEngine.Diffusion;

/// <summary>Which reverse step rule a sampler uses.</summary>
public enum SchedulerKind
{
    /// <summary><see cref="DdimScheduler"/> (with <see cref="SamplerOptions.Eta"/>).</summary>
    Ddim,
    /// <summary><see cref="DdpmScheduler"/>, the ancestral step.</summary>
    Ddpm,
}
