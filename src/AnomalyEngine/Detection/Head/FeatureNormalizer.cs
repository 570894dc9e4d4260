namespace AnomalyEngine.Detection.Head;

/// <summary>Per-channel standardisation of the backbone features, fitted on normal images: (x - mean) / std.</summary>
internal sealed class FeatureNormalizer(float[] mean, float[] std)
{
    internal float[] Mean { get; } = mean;
    internal float[] Std { get; } = std;

    internal static FeatureNormalizer Fit(IEnumerable<float[]> rows, int dim)
    {
        var sum = new double[dim];
        var sumSq = new double[dim];
        long count = 0;
        foreach (var r in rows)
        {
            int n = r.Length / dim;
            for (int i = 0; i < n; i++)
                for (int c = 0; c < dim; c++)
                {
                    double v = r[i * dim + c];
                    sum[c] += v;
                    sumSq[c] += v * v;
                }
            count += n;
        }
        var mean = new float[dim];
        var std = new float[dim];
        for (int c = 0; c < dim; c++)
        {
            double m = sum[c] / count;
            mean[c] = (float)m;
            std[c] = (float)Math.Sqrt(Math.Max(sumSq[c] / count - m * m, 0) + 1e-6);
        }
        return new FeatureNormalizer(mean, std);
    }

    internal void Apply(float[] rows)
    {
        int dim = Mean.Length;
        for (int i = 0; i < rows.Length; i++)
        {
            int c = i % dim;
            rows[i] = (rows[i] - Mean[c]) / Std[c];
        }
    }
}
