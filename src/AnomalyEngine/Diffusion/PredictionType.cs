namespace AnomalyEngine.Diffusion;

/// <summary>What the noise predictor's output means.</summary>
public enum PredictionType
{
    /// <summary>The added noise epsilon.</summary>
    Epsilon,
    /// <summary>The velocity v = sqrt(abar_t) eps - sqrt(1 - abar_t) x0 (Salimans and Ho 2022).</summary>
    VPrediction,
}
