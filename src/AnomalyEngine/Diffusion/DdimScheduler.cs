namespace AnomalyEngine.Diffusion;

/// <summary>
/// DDIM (Song et al. 2021, eq. 12):
/// x_prev = sqrt(abar_prev) x0_hat + sqrt(1 - abar_prev - sigma^2) eps_hat + sigma z,
/// sigma = eta sqrt((1 - abar_prev) / (1 - abar_t)) sqrt(1 - abar_t / abar_prev). eta = 0 is deterministic.
/// </summary>
public sealed class DdimScheduler : DiffusionScheduler
{
    /// <summary>Creates the rule; the final step goes to abar_0 (the CompVis DDIM sampler the AnoGen code uses) unless <paramref name="finalAlphaCumprod"/> is given (1 in diffusers' set_alpha_to_one).</summary>
    public DdimScheduler(NoiseSchedule schedule, PredictionType prediction = PredictionType.Epsilon, double eta = 0.0, double? finalAlphaCumprod = null)
        : base(schedule, prediction)
    {
        if (!(eta >= 0 && eta <= 1))
            throw new InvalidOptionException($"DDIM eta must be in [0, 1], got {eta}.");
        Eta = eta;
        FinalAlphaCumprod = finalAlphaCumprod ?? schedule.AlphasCumprod[0];
    }

    /// <summary>The stochasticity: 0 is the deterministic DDIM, 1 matches DDPM's posterior variance.</summary>
    public double Eta { get; }

    /// <summary>abar used as the target of the last step.</summary>
    public double FinalAlphaCumprod { get; }

    /// <inheritdoc />
    public override StepCoefficients Coefficients(int t, int previous)
    {
        CheckOrder(t, previous);
        double at = Schedule.AlphaCumprod(t);
        double ap = previous == Final ? FinalAlphaCumprod : Schedule.AlphaCumprod(previous);
        double sigma = Eta * Math.Sqrt((1 - ap) / (1 - at)) * Math.Sqrt(1 - at / ap);
        double direction = Math.Sqrt(Math.Max(0.0, 1 - ap - sigma * sigma));
        var (x0x, x0m) = OriginalFromOutput(t);
        var (ex, em) = NoiseFromOutput(t);
        double rp = Math.Sqrt(ap);
        return new StepCoefficients(rp * x0x + direction * ex, rp * x0m + direction * em, sigma);
    }
}
