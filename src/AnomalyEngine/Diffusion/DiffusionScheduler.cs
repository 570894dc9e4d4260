namespace AnomalyEngine.Diffusion;

/// <summary>A reverse-process step rule: a noise schedule plus a pure step(x_t, model_output, z).</summary>
public abstract class DiffusionScheduler
{
    /// <summary>The timestep a final step goes to: the clean sample.</summary>
    public const int Final = -1;

    private protected DiffusionScheduler(NoiseSchedule schedule, PredictionType prediction)
    {
        Schedule = schedule;
        Prediction = prediction;
    }

    /// <summary>The forward process this scheduler inverts.</summary>
    public NoiseSchedule Schedule { get; }

    /// <summary>What the model output means.</summary>
    public PredictionType Prediction { get; }

    /// <summary>The linear map of the step from timestep t to <paramref name="previous"/> (<see cref="Final"/> after the last step).</summary>
    public abstract StepCoefficients Coefficients(int t, int previous);

    /// <summary>x_prev for one scalar element: X x + Model m + Noise z.</summary>
    public double Step(double sample, double modelOutput, double noise, int t, int previous)
    {
        var c = Coefficients(t, previous);
        return c.X * sample + c.Model * modelOutput + c.Noise * noise;
    }

    /// <summary>
    /// The (a, b) with x0_hat = a x_t + b m: epsilon: x0 = (x_t - sqrt(1-abar) eps) / sqrt(abar);
    /// v: x0 = sqrt(abar) x_t - sqrt(1-abar) v.
    /// </summary>
    public (double Sample, double Model) OriginalFromOutput(int t)
    {
        double r = Schedule.SignalScale(t), s = Schedule.NoiseScale(t);
        return Prediction == PredictionType.Epsilon ? (1.0 / r, -s / r) : (r, -s);
    }

    /// <summary>
    /// The (a, b) with eps_hat = a x_t + b m: epsilon: eps = m; v: eps = sqrt(abar) v + sqrt(1-abar) x_t.
    /// </summary>
    public (double Sample, double Model) NoiseFromOutput(int t)
    {
        double r = Schedule.SignalScale(t), s = Schedule.NoiseScale(t);
        return Prediction == PredictionType.Epsilon ? (0.0, 1.0) : (s, r);
    }

    private protected static void CheckOrder(int t, int previous)
    {
        if (previous != Final && previous >= t)
            throw new InvalidOptionException($"A reverse step must go to an earlier timestep: {t} -> {previous}.");
    }
}
