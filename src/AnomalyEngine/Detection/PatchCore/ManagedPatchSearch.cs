namespace AnomalyEngine.Detection.PatchCore;

/// <summary>Parallel loops with System.Numerics.Vector distances.</summary>
internal sealed class ManagedPatchSearch : IPatchSearch
{
    public void UpdateMinDistances(float[] points, int count, int dim, int center, float[] minDistances)
    {
        var c = points.AsMemory(center * dim, dim);
        Parallel.For(0, (count + 1023) / 1024, block =>
        {
            var cs = c.Span;
            int end = Math.Min(count, (block + 1) * 1024);
            for (int i = block * 1024; i < end; i++)
            {
                float d = PatchFeatures.SquaredDistance(points.AsSpan(i * dim, dim), cs);
                if (d < minDistances[i])
                    minDistances[i] = d;
            }
        });
    }

    public void KNearest(float[] queries, int queryCount, float[] bank, int bankCount, int dim, int k, float[] result)
    {
        Parallel.For(0, queryCount, q =>
        {
            Span<float> best = stackalloc float[k];
            best.Fill(float.PositiveInfinity);
            var query = queries.AsSpan(q * dim, dim);
            for (int m = 0; m < bankCount; m++)
            {
                float d = PatchFeatures.SquaredDistance(query, bank.AsSpan(m * dim, dim));
                if (d >= best[k - 1]) continue;
                int j = k - 1;
                for (; j > 0 && best[j - 1] > d; j--)
                    best[j] = best[j - 1];
                best[j] = d;
            }
            float sum = 0;
            for (int j = 0; j < k; j++)
                sum += MathF.Sqrt(best[j]);
            result[q] = sum / k;
        });
    }
}
