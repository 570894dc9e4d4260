using AnomalyEngine.Compute;

namespace AnomalyEngine.Metrics;

/// <summary>Chooses where the one expensive step, the sort, runs: ILGPU on CUDA, or the managed parallel sort.</summary>
internal static class MetricBackend
{
    public static void Sort(ulong[] entries, int length, ComputeDevice? device)
    {
        if (device is { IsCuda: true })
            CudaKeySort.Sort(device.Accelerator, entries, length);
        else
            ParallelKeySort.Sort(entries, length);
    }
}
