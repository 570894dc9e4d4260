using AnomalyEngine.Compute;

namespace AnomalyEngine.Detection.PatchCore;

/// <summary>
/// Greedy k-center coreset (PatchCore's GreedyCoresetSampler, after Sener &amp; Savarese 2018):
/// start from one seeded random row, then repeatedly add the row farthest from the rows chosen so far.
/// Distances are computed on a random projection of the features (PatchCore projects to 128 dims).
/// </summary>
internal static class Coreset
{
    internal static int[] Greedy(float[] features, int count, int dim, int size, int projectionDim, ulong seed, IPatchSearch search)
    {
        if (size >= count)
            return Enumerable.Range(0, count).ToArray();
        float[] points = features;
        int d = dim;
        if (projectionDim > 0 && projectionDim < dim)
        {
            points = PatchFeatures.Project(features, count, dim, PatchFeatures.ProjectionMatrix(dim, projectionDim, seed, 1), projectionDim);
            d = projectionDim;
        }
        var minDistances = new float[count];
        Array.Fill(minDistances, float.PositiveInfinity);
        var chosen = new int[size];
        int next = (int)(Philox.Bits64(seed, 2, 0, 0) % (ulong)count);
        for (int s = 0; s < size; s++)
        {
            chosen[s] = next;
            search.UpdateMinDistances(points, count, d, next, minDistances);
            // Ties go to the lowest index, so the CPU and accelerator paths choose alike.
            float best = -1;
            for (int i = 0; i < count; i++)
                if (minDistances[i] > best)
                {
                    best = minDistances[i];
                    next = i;
                }
        }
        return chosen;
    }
}
