namespace AnomalyEngine.Metrics;

/// <summary>Image-level metrics: one score and one label per image (AUPRO is undefined here).</summary>
public static class ImageMetrics
{
    /// <summary>Computes AUROC, AP, trapezoidal AUPR and F1-max of image scores against labels (true = anomalous).</summary>
    public static MetricSet Compute(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels, MetricOptions? options = null)
    {
        if (scores.Length != labels.Length)
            throw new InvalidInputException($"{scores.Length} image scores but {labels.Length} labels: every image needs one score.");
        ScoreKey.EnsureFinite(scores, "image scores");
        options ??= new MetricOptions();
        var entries = new ulong[scores.Length];
        long positives = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            entries[i] = ((ulong)ScoreKey.FromScore(scores[i]) << 32) | (labels[i] ? 1u : 0u);
            positives += labels[i] ? 1 : 0;
        }
        MetricBackend.Sort(entries, entries.Length, options.Device);
        return RankedSweep.Run(entries, positives, scores.Length - positives, regionWeights: null, options);
    }
}
