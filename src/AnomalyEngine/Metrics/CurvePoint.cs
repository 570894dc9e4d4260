namespace AnomalyEngine.Metrics;

/// <summary>One point of a ROC, precision-recall or PRO curve, with the score threshold it was taken at (score &gt;= threshold is anomalous).</summary>
public readonly record struct CurvePoint(double X, double Y, float Threshold);
