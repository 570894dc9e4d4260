using AnomalyEngine.Compute;

namespace AnomalyEngine.Metrics;

/// <summary>How metrics are computed.</summary>
public sealed record MetricOptions
{
    /// <summary>The false-positive-rate limit AUPRO integrates up to (MVTec: 0.3); the area is divided by it.</summary>
    public double ProFprLimit { get; init; } = 0.3;

    /// <summary>The most points kept per curve for reports (the metrics themselves always use every threshold).</summary>
    public int MaxCurvePoints { get; init; } = 400;

    /// <summary>The device to sort on: a CUDA device uses the ILGPU back end; null or a CPU device uses the managed parallel sort.</summary>
    public ComputeDevice? Device { get; init; }
}
