namespace AnomalyEngine.Metrics;

/// <summary>
/// Threshold-free metrics of one set of scores against binary labels, each exact with tied scores
/// (ties move together). Definitions: ANOGEN.md, "Metrics".
/// </summary>
public sealed class MetricSet
{
    /// <summary>Area under the ROC curve, trapezoid over every distinct threshold (tied scores count one half).</summary>
    public required MetricValue Auroc { get; init; }

    /// <summary>Average precision as scikit-learn computes it: sum over thresholds of (R_n - R_{n-1}) P_n (what AnoGen calls AU-PR).</summary>
    public required MetricValue AveragePrecision { get; init; }

    /// <summary>Trapezoidal area under the precision-recall curve, starting at (recall 0, precision 1) (anomalib's AUPR; differs from AP).</summary>
    public required MetricValue AuprTrapezoid { get; init; }

    /// <summary>Area under the per-region-overlap curve up to <see cref="ProFprLimit"/>, divided by it (MVTec AUPRO); undefined for image-level scores.</summary>
    public required MetricValue Aupro { get; init; }

    /// <summary>The largest F1 = 2PR/(P+R) over all thresholds.</summary>
    public required MetricValue F1Max { get; init; }

    /// <summary>The highest threshold reaching <see cref="F1Max"/> (score &gt;= threshold is anomalous); null when F1-max is undefined.</summary>
    public required float? F1Threshold { get; init; }

    /// <summary>The FPR limit used for <see cref="Aupro"/>.</summary>
    public required double ProFprLimit { get; init; }

    /// <summary>Number of anomalous samples (pixels or images).</summary>
    public required long Positives { get; init; }

    /// <summary>Number of normal samples (pixels or images).</summary>
    public required long Negatives { get; init; }

    /// <summary>Number of 8-connected anomalous regions (0 for image-level metrics).</summary>
    public required long Regions { get; init; }

    /// <summary>ROC curve (X = false-positive rate, Y = true-positive rate), thinned for plotting.</summary>
    public required IReadOnlyList<CurvePoint> Roc { get; init; }

    /// <summary>Precision-recall curve (X = recall, Y = precision), thinned for plotting.</summary>
    public required IReadOnlyList<CurvePoint> PrecisionRecall { get; init; }

    /// <summary>PRO curve (X = false-positive rate, Y = mean per-region overlap) up to the FPR limit, thinned for plotting.</summary>
    public required IReadOnlyList<CurvePoint> Pro { get; init; }
}
