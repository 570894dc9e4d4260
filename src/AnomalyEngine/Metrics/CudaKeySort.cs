using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Algorithms.RadixSortOperations;
using ILGPU.Runtime;

namespace AnomalyEngine.Metrics;

/// <summary>
/// The ILGPU back end of the metrics: an on-device LSD radix sort of the 64-bit entries
/// (order-preserving uint32 score key in the high word, payload in the low word — integer keys,
/// because ILGPU 1.5.3 orders float keys wrongly). The sorted entries come back to the host for
/// <see cref="RankedSweep"/>, so CUDA and CPU give bit-identical metrics.
/// Runs on any ILGPU accelerator (tests use the CPU one on small inputs).
/// </summary>
internal static class CudaKeySort
{
    public static void Sort(Accelerator accelerator, ulong[] entries, int length)
    {
        if (length <= 1) return;
        var sort = accelerator.CreateRadixSort<ulong, Stride1D.Dense, AscendingUInt64>();
        var tempSize = accelerator.ComputeRadixSortTempStorageSize<ulong, AscendingUInt64>(length);
        using var data = accelerator.Allocate1D<ulong>(length);
        using var temp = accelerator.Allocate1D<int>(tempSize);
        data.View.CopyFromCPU(accelerator.DefaultStream, entries.AsSpan(0, length));
        sort(accelerator.DefaultStream, data.View, temp.View);
        accelerator.Synchronize();
        data.View.CopyToCPU(accelerator.DefaultStream, entries.AsSpan(0, length));
        accelerator.Synchronize();
    }
}
