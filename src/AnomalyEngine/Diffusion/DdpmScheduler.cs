namespace AnomalyEngine.Diffusion;

/// <summary>
/// The DDPM ancestral step (Ho et al. 2020, eqs. 6-7) between possibly non-adjacent timesteps, as
/// diffusers' DDPMScheduler: with alpha = abar_t / abar_prev and beta = 1 - alpha,
/// mean = sqrt(abar_prev) beta / (1 - abar_t) x0_hat + sqrt(alpha) (1 - abar_prev) / (1 - abar_t) x_t,
/// variance = (1 - abar_prev) / (1 - abar_t) beta ("fixed_small"); the last step goes to abar = 1.
/// </summary>
public sealed class DdpmScheduler : DiffusionScheduler
{
    /// <summary>Creates the rule.</summary>
    public DdpmScheduler(NoiseSchedule schedule, PredictionType prediction = PredictionType.Epsilon)
        : base(schedule, prediction) { }

    /// <inheritdoc />
    public override StepCoefficients Coefficients(int t, int previous)
    {
        CheckOrder(t, previous);
        double at = Schedule.AlphaCumprod(t);
        double ap = previous == Final ? 1.0 : Schedule.AlphaCumprod(previous);
        double alpha = at / ap, beta = 1 - alpha;
        double c0 = Math.Sqrt(ap) * beta / (1 - at);
        double ct = Math.Sqrt(alpha) * (1 - ap) / (1 - at);
        double variance = t > 0 ? Math.Max((1 - ap) / (1 - at) * beta, 0.0) : 0.0;
        var (x0x, x0m) = OriginalFromOutput(t);
        return new StepCoefficients(c0 * x0x + ct, c0 * x0m, Math.Sqrt(variance));
    }
}
