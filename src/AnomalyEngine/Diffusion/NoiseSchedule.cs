namespace AnomalyEngine.Diffusion;

/// <summary>The forward noise process: betas and cumulative alphas over the training steps, in double precision.</summary>
public sealed class NoiseSchedule
{
    private readonly double[] _betas;
    private readonly double[] _alphasCumprod;

    private NoiseSchedule(double[] betas)
    {
        _betas = betas;
        _alphasCumprod = new double[betas.Length];
        // abar_t = prod_{s <= t} (1 - beta_s)
        double product = 1.0;
        for (int t = 0; t < betas.Length; t++)
        {
            product *= 1.0 - betas[t];
            _alphasCumprod[t] = product;
        }
    }

    /// <summary>The number of training steps T (timesteps 0..T-1).</summary>
    public int TrainSteps => _betas.Length;

    /// <summary>beta_t for t in 0..T-1.</summary>
    public ReadOnlySpan<double> Betas => _betas;

    /// <summary>abar_t = prod_{s &lt;= t} (1 - beta_s) for t in 0..T-1.</summary>
    public ReadOnlySpan<double> AlphasCumprod => _alphasCumprod;

    /// <summary>Builds a schedule; betaStart and betaEnd are ignored by the cosine schedule.</summary>
    public static NoiseSchedule Create(BetaSchedule kind, int trainSteps, double betaStart = 0.00085, double betaEnd = 0.012)
    {
        if (trainSteps < 2)
            throw new InvalidOptionException($"A noise schedule needs at least 2 training steps, got {trainSteps}.");
        var betas = new double[trainSteps];
        switch (kind)
        {
            case BetaSchedule.Linear:
                CheckRange(betaStart, betaEnd);
                // beta_t = beta_start + t (beta_end - beta_start) / (T - 1)
                for (int t = 0; t < trainSteps; t++)
                    betas[t] = betaStart + t * (betaEnd - betaStart) / (trainSteps - 1);
                break;
            case BetaSchedule.ScaledLinear:
                CheckRange(betaStart, betaEnd);
                // beta_t = (sqrt(beta_start) + t (sqrt(beta_end) - sqrt(beta_start)) / (T - 1))^2
                double a = Math.Sqrt(betaStart), b = Math.Sqrt(betaEnd);
                for (int t = 0; t < trainSteps; t++)
                {
                    double root = a + t * (b - a) / (trainSteps - 1);
                    betas[t] = root * root;
                }
                break;
            case BetaSchedule.SquaredCosCapV2:
                // Nichol and Dhariwal 2021, eq. 17: abar(s) = cos^2(((s + 0.008) / 1.008) pi / 2),
                // beta_t = min(1 - abar((t + 1) / T) / abar(t / T), 0.999).
                for (int t = 0; t < trainSteps; t++)
                    betas[t] = Math.Min(1.0 - CosineAlphaBar((t + 1.0) / trainSteps) / CosineAlphaBar((double)t / trainSteps), 0.999);
                break;
            default:
                throw new InvalidOptionException($"Unknown beta schedule {kind}.");
        }
        return new NoiseSchedule(betas);
    }

    /// <summary>sqrt(abar_t), the signal coefficient of q_sample at timestep t.</summary>
    public double SignalScale(int t) => Math.Sqrt(AlphaCumprod(t));

    /// <summary>sqrt(1 - abar_t), the noise coefficient of q_sample at timestep t.</summary>
    public double NoiseScale(int t) => Math.Sqrt(1.0 - AlphaCumprod(t));

    /// <summary>q_sample: x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps (Ho et al. 2020, eq. 4).</summary>
    public double QSample(double x0, double noise, int t) => SignalScale(t) * x0 + NoiseScale(t) * noise;

    /// <summary>The velocity target v = sqrt(abar_t) eps - sqrt(1 - abar_t) x0 (Salimans and Ho 2022).</summary>
    public double Velocity(double x0, double noise, int t) => SignalScale(t) * noise - NoiseScale(t) * x0;

    /// <summary>abar_t with the timestep checked.</summary>
    public double AlphaCumprod(int t)
    {
        if ((uint)t >= (uint)_alphasCumprod.Length)
            throw new InvalidOptionException($"Timestep {t} is outside 0..{_alphasCumprod.Length - 1}.");
        return _alphasCumprod[t];
    }

    private static double CosineAlphaBar(double s)
    {
        double c = Math.Cos((s + 0.008) / 1.008 * Math.PI / 2.0);
        return c * c;
    }

    private static void CheckRange(double betaStart, double betaEnd)
    {
        if (!(betaStart > 0 && betaEnd < 1 && betaStart <= betaEnd))
            throw new InvalidOptionException($"Beta range [{betaStart}, {betaEnd}] must satisfy 0 < beta_start <= beta_end < 1.");
    }
}
