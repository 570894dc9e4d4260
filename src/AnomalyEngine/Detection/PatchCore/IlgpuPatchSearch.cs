using AnomalyEngine.Compute;
using ILGPU;
using ILGPU.Runtime;

namespace AnomalyEngine.Detection.PatchCore;

/// <summary>The same distances as <see cref="ManagedPatchSearch"/> as ILGPU kernels (for CUDA; correct on the CPU accelerator).</summary>
internal sealed class IlgpuPatchSearch : IPatchSearch, IDisposable
{
    internal const int MaxNeighbours = 16;

    private readonly ComputeDevice _device;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, int, int> _update;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int> _knn;
    private MemoryBuffer1D<float, Stride1D.Dense>? _points, _bank;
    private float[]? _pointsSource, _bankSource;

    internal IlgpuPatchSearch(ComputeDevice device)
    {
        _device = device;
        _update = device.Accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int, int>(UpdateKernel);
        _knn = device.Accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(KnnKernel);
    }

    private static void UpdateKernel(ArrayView<float> points, ArrayView<float> minDistances, int count, int dim, int center)
    {
        for (int i = Grid.GlobalIndex.X; i < count; i += Grid.DimX * Group.DimX)
        {
            float d = 0;
            for (int j = 0; j < dim; j++)
            {
                float t = points[(long)i * dim + j] - points[(long)center * dim + j];
                d += t * t;
            }
            if (d < minDistances[i])
                minDistances[i] = d;
        }
    }

    private static void KnnKernel(ArrayView<float> queries, ArrayView<float> bank, ArrayView<float> result, int queryCount, int bankCount, int dim, int k)
    {
        var best = LocalMemory.Allocate<float>(MaxNeighbours);
        for (int q = Grid.GlobalIndex.X; q < queryCount; q += Grid.DimX * Group.DimX)
        {
            for (int j = 0; j < k; j++)
                best[j] = float.PositiveInfinity;
            for (int m = 0; m < bankCount; m++)
            {
                float d = 0;
                for (int j = 0; j < dim; j++)
                {
                    float t = queries[(long)q * dim + j] - bank[(long)m * dim + j];
                    d += t * t;
                }
                if (d >= best[k - 1]) continue;
                int slot = k - 1;
                while (slot > 0 && best[slot - 1] > d)
                {
                    best[slot] = best[slot - 1];
                    slot--;
                }
                best[slot] = d;
            }
            float sum = 0;
            for (int j = 0; j < k; j++)
                sum += MathF.Sqrt(best[j]);
            result[q] = sum / k;
        }
    }

    public void UpdateMinDistances(float[] points, int count, int dim, int center, float[] minDistances)
    {
        var p = Upload(ref _points, ref _pointsSource, points);
        using var min = _device.Accelerator.Allocate1D(minDistances.AsSpan(0, count).ToArray());
        _update(_device.GridStride(count), p.View, min.View, count, dim, center);
        min.GetAsArray1D().AsSpan().CopyTo(minDistances.AsSpan(0, count));
    }

    public void KNearest(float[] queries, int queryCount, float[] bank, int bankCount, int dim, int k, float[] result)
    {
        if (k < 1 || k > MaxNeighbours)
            throw new InvalidOptionException($"The number of neighbours must be 1..{MaxNeighbours} on an accelerator, not {k}.");
        var b = Upload(ref _bank, ref _bankSource, bank);
        using var q = _device.Accelerator.Allocate1D(queries.AsSpan(0, queryCount * dim).ToArray());
        using var r = _device.Accelerator.Allocate1D<float>(queryCount);
        _knn(_device.GridStride(queryCount), q.View, b.View, r.View, queryCount, bankCount, dim, k);
        r.GetAsArray1D().AsSpan().CopyTo(result.AsSpan(0, queryCount));
    }

    // The bank (and the coreset's points) stay on the device across calls with the same array.
    private MemoryBuffer1D<float, Stride1D.Dense> Upload(ref MemoryBuffer1D<float, Stride1D.Dense>? buffer, ref float[]? source, float[] data)
    {
        if (buffer is null || !ReferenceEquals(source, data))
        {
            buffer?.Dispose();
            buffer = _device.Accelerator.Allocate1D(data);
            source = data;
        }
        return buffer;
    }

    public void Dispose()
    {
        _points?.Dispose();
        _bank?.Dispose();
    }
}
