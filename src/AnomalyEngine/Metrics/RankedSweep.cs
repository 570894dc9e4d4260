namespace AnomalyEngine.Metrics;

/// <summary>
/// One pass over samples sorted by (score key, payload) ascending — read from the end, i.e. by
/// descending score — that stops at every distinct threshold and accumulates every metric.
/// Each entry is <c>(ScoreKey &lt;&lt; 32) | payload</c>; payload 0 is a normal sample, payload r &gt; 0 an
/// anomalous one (in region r - 1 when region weights are given).
/// Both back ends end here, so their results are bit-identical once their sorts agree.
/// </summary>
internal static class RankedSweep
{
    public static MetricSet Run(ReadOnlySpan<ulong> sorted, long positives, long negatives, double[]? regionWeights, MetricOptions options)
    {
        double limit = options.ProFprLimit;
        if (!(limit > 0 && limit <= 1))
            throw new InvalidOptionException($"the AUPRO false-positive-rate limit must be in (0, 1], got {limit}.");
        long regions = regionWeights?.Length ?? 0;
        double thin = 2.0 / Math.Max(8, options.MaxCurvePoints);
        var roc = new CurveThinner(thin, new CurvePoint(0, 0, float.PositiveInfinity));
        var pr = new CurveThinner(thin, new CurvePoint(0, 1, float.PositiveInfinity));
        var pro = new CurveThinner(thin, new CurvePoint(0, 0, float.PositiveInfinity));

        long tp = 0, fp = 0, tpPrev = 0, fpPrev = 0;
        Int128 rocTwiceArea = 0; // sum of dFP * (TP + TP_prev): trapezoids in integer counts, exact
        double ap = 0, aupr = 0, precPrev = 1, recPrev = 0;
        double bestF1 = -1; float bestThreshold = float.NaN;
        double proSum = 0, proArea = 0, proXPrev = 0, proYPrev = 0; bool proDone = false;

        for (int i = sorted.Length - 1; i >= 0;)
        {
            uint key = (uint)(sorted[i] >> 32);
            // Every sample with this exact score moves together.
            for (; i >= 0 && (uint)(sorted[i] >> 32) == key; i--)
            {
                uint payload = (uint)sorted[i];
                if (payload == 0) { fp++; continue; }
                tp++;
                if (regionWeights is not null) proSum += regionWeights[payload - 1];
            }
            float threshold = ScoreKey.ToScore(key);

            rocTwiceArea += (Int128)(fp - fpPrev) * (tp + tpPrev);
            if (positives > 0)
            {
                double recall = (double)tp / positives;
                double precision = (double)tp / (tp + fp);
                ap += (double)(tp - tpPrev) / positives * precision;
                aupr += (recall - recPrev) * (precision + precPrev) * 0.5;
                // F1 = 2PR/(P+R) = 2 TP / (TP + FP + positives), exact in counts.
                double f1 = 2.0 * tp / (tp + fp + positives);
                if (f1 > bestF1) { bestF1 = f1; bestThreshold = threshold; }
                pr.Add(new CurvePoint(recall, precision, threshold));
                recPrev = recall; precPrev = precision;
            }
            if (negatives > 0)
            {
                double fpr = (double)fp / negatives;
                roc.Add(new CurvePoint(fpr, positives > 0 ? (double)tp / positives : 0, threshold));
                if (regions > 0 && !proDone)
                {
                    double y = proSum / regions;
                    if (fpr <= limit)
                    {
                        proArea += (fpr - proXPrev) * (y + proYPrev) * 0.5;
                        pro.Add(new CurvePoint(fpr, y, threshold));
                        proXPrev = fpr; proYPrev = y;
                    }
                    else
                    {
                        // MVTec: interpolate the curve linearly at the limit, add the last partial trapezoid.
                        double yAtLimit = proYPrev + (y - proYPrev) * (limit - proXPrev) / (fpr - proXPrev);
                        proArea += (limit - proXPrev) * (yAtLimit + proYPrev) * 0.5;
                        pro.Add(new CurvePoint(limit, yAtLimit, threshold));
                        proDone = true;
                    }
                }
            }
            tpPrev = tp; fpPrev = fp;
        }

        const string noNormal = "no normal samples: the rate of false positives is undefined";
        const string noAnomalous = "no anomalous samples: recall is undefined";
        string? rocReason = positives == 0 ? noAnomalous : negatives == 0 ? noNormal : null;
        return new MetricSet
        {
            Auroc = rocReason is null ? MetricValue.Defined((double)rocTwiceArea / (2.0 * positives * negatives)) : MetricValue.Undefined(rocReason),
            AveragePrecision = positives > 0 ? MetricValue.Defined(ap) : MetricValue.Undefined(noAnomalous),
            AuprTrapezoid = positives > 0 ? MetricValue.Defined(aupr) : MetricValue.Undefined(noAnomalous),
            Aupro = regionWeights is null ? MetricValue.Undefined("AUPRO needs pixel masks (image-level scores have no regions)")
                : rocReason is null ? MetricValue.Defined(proArea / limit) : MetricValue.Undefined(rocReason),
            F1Max = positives > 0 ? MetricValue.Defined(bestF1) : MetricValue.Undefined(noAnomalous),
            F1Threshold = positives > 0 ? bestThreshold : null,
            ProFprLimit = limit,
            Positives = positives,
            Negatives = negatives,
            Regions = regions,
            Roc = negatives > 0 ? roc.Finish() : [],
            PrecisionRecall = positives > 0 ? pr.Finish() : [],
            Pro = regionWeights is not null && rocReason is null ? pro.Finish() : [],
        };
    }

    /// <summary>Keeps a curve point when it moved at least <c>step</c> in X or Y since the last kept one, plus the last point.</summary>
    private sealed class CurveThinner(double step, CurvePoint start)
    {
        private readonly List<CurvePoint> _points = [start];
        private CurvePoint _kept = start;
        private CurvePoint? _pending;

        public void Add(CurvePoint p)
        {
            if (Math.Abs(p.X - _kept.X) >= step || Math.Abs(p.Y - _kept.Y) >= step)
            {
                _points.Add(p);
                _kept = p;
                _pending = null;
            }
            else
            {
                _pending = p;
            }
        }

        public IReadOnlyList<CurvePoint> Finish()
        {
            if (_pending is { } p) _points.Add(p);
            return _points;
        }
    }
}
