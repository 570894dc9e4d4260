namespace AnomalyEngine.Detection.PatchCore;

/// <summary>The distance computations of PatchCore, on the CPU (managed) or an ILGPU accelerator.</summary>
internal interface IPatchSearch
{
    /// <summary>minDistances[i] = min(minDistances[i], |x_i - x_center|^2) over the rows of <paramref name="points"/> (count x dim).</summary>
    void UpdateMinDistances(float[] points, int count, int dim, int center, float[] minDistances);

    /// <summary>result[q] = mean Euclidean distance from query q to its k nearest rows of <paramref name="bank"/>.</summary>
    void KNearest(float[] queries, int queryCount, float[] bank, int bankCount, int dim, int k, float[] result);
}
