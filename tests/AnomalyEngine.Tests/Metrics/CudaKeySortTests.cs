using AnomalyEngine.Compute;
using AnomalyEngine.Metrics;

namespace AnomalyEngine.Tests.Metrics;

/// <summary>The ILGPU back end, run on ILGPU's CPU accelerator on a small input (the CUDA build runs the same kernels).</summary>
public class CudaKeySortTests
{
    [Fact]
    public void ILGPU_radix_sort_gives_the_same_order_and_metrics_as_the_managed_sort()
    {
        var p = System.Text.Json.JsonDocument.Parse("""{"seed": 31, "width": 64, "height": 64, "maxEllipses": 4, "levels": 64, "shift": 20}""").RootElement;
        var mask = MetricInputs.PixelMask(p, 0);
        var scores = MetricInputs.PixelScores(p, 0, mask);
        for (int i = 0; i < scores.Length; i += 7) scores[i] = -scores[i]; // negative scores too: the key mapping must order them

        var acc = new PixelMetricAccumulator();
        acc.Add(scores, mask, 64, 64);
        var managed = acc.Compute();

        // Same entries, sorted by ILGPU's radix sort.
        var entries = new ulong[scores.Length];
        for (int i = 0; i < entries.Length; i++) entries[i] = ((ulong)ScoreKey.FromScore(scores[i]) << 32) | (uint)i;
        var expected = (ulong[])entries.Clone();
        Array.Sort(expected);
        using var device = ComputeDevice.Create(DevicePreference.Cpu);
        CudaKeySort.Sort(device.Accelerator, entries, entries.Length);
        Assert.Equal(expected, entries);

        var viaIlgpu = new PixelMetricAccumulator();
        viaIlgpu.Add(scores, mask, 64, 64);
        var sorted = viaIlgpu.ComputeWith(accelerator: device.Accelerator);
        Assert.Equal(managed.Auroc, sorted.Auroc);
        Assert.Equal(managed.AveragePrecision, sorted.AveragePrecision);
        Assert.Equal(managed.AuprTrapezoid, sorted.AuprTrapezoid);
        Assert.Equal(managed.Aupro, sorted.Aupro);
        Assert.Equal(managed.F1Max, sorted.F1Max);
        Assert.Equal(managed.F1Threshold, sorted.F1Threshold);
        Assert.True(managed.Auroc.Value > 0.5);
    }
}
