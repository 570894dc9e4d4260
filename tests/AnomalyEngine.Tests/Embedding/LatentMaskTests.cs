using System.Text.Json;
using ILGPU;
using ILGPU.Runtime;
using AnomalyEngine.Embedding;

namespace AnomalyEngine.Tests.Embedding;

public class LatentMaskTests
{
    private sealed record Case(int h, int w, int oh, int ow, int[] ones);

    private static float[] TestMask(int h, int w)
    {
        // The same three shapes as tools/latent_mask_reference.py: a thin line, a blob, one pixel.
        var m = new float[h * w];
        for (int x = 0; x < w / 2; x++) m[(h / 3) * w + x] = 1;
        for (int y = h / 2; y < h / 2 + 3; y++)
            for (int x = w / 2; x < w / 2 + 4; x++) m[y * w + x] = 1;
        m[(h - 2) * w + (w - 3)] = 1;
        return m;
    }

    [Fact]
    public void Bilinear_latent_mask_matches_torch_interpolate()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "embedding", "latent_masks.json");
        var cases = JsonSerializer.Deserialize<Case[]>(File.ReadAllText(path))!;
        Assert.Equal(4, cases.Length);
        foreach (var c in cases)
        {
            var got = LatentMask.FromPixelMask(TestMask(c.h, c.w), c.h, c.w, c.oh, c.ow);
            var ones = Enumerable.Range(0, got.Length).Where(i => got[i] != 0).ToArray();
            Assert.Equal(c.ones, ones);
        }
    }

    [Fact]
    public void Latent_mask_kernel_gives_the_host_formula_bytes_on_the_torch_cases_and_random_masks()
    {
        using var device = AnomalyEngine.Compute.ComputeDevice.Create(AnomalyEngine.Compute.DevicePreference.Cpu);
        var kernel = device.Accelerator.LoadStreamKernel<ILGPU.ArrayView<float>, int, int, int, int, ILGPU.ArrayView<float>>(EmbeddingKernels.BilinearLatentMask);
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "embedding", "latent_masks.json");
        var shapes = JsonSerializer.Deserialize<Case[]>(File.ReadAllText(path))!.Select(c => (c.h, c.w, c.oh, c.ow)).Append((64, 64, 16, 16)).Append((37, 50, 9, 12));
        foreach (var (h, w, oh, ow) in shapes)
        {
            // Three masks per launch: the reference shapes, sparse random pixels, and soft (non-binary) values.
            var masks = new[]
            {
                TestMask(h, w),
                Enumerable.Range(0, h * w).Select(i => AnomalyEngine.Compute.Philox.Uniform(3, 0, 0, (uint)i) < 0.02f ? 1f : 0f).ToArray(),
                Enumerable.Range(0, h * w).Select(i => MathF.Max(0, AnomalyEngine.Compute.Philox.Normal(4, 0, 0, (uint)i) - 1.5f)).ToArray(),
            };
            using var input = device.Accelerator.Allocate1D(masks.SelectMany(m => m).ToArray());
            using var output = device.Accelerator.Allocate1D<float>(3 * oh * ow);
            kernel(device.GridStride(3 * oh * ow), input.View, h, w, oh, ow, output.View);
            var got = output.GetAsArray1D();
            for (int b = 0; b < 3; b++)
                Assert.Equal(LatentMask.FromPixelMask(masks[b], h, w, oh, ow), got.AsSpan(b * oh * ow, oh * ow).ToArray());
        }
    }

    [Fact]
    public void Hairline_defect_that_bilinear_misses_falls_back_to_covered_cells()
    {
        var mask = new float[256 * 256];
        for (int x = 0; x < 128; x++) mask[85 * 256 + x] = 1; // row 85: cell 85*32/256 = 10
        var exact = LatentMask.FromPixelMask(mask, 256, 256, 32, 32);
        Assert.All(exact, v => Assert.Equal(0f, v));
        var fallback = LatentMask.FromPixelMaskOrCoverage(mask, 256, 256, 32, 32, out bool used);
        Assert.True(used);
        var ones = Enumerable.Range(0, fallback.Length).Where(i => fallback[i] != 0).ToArray();
        Assert.Equal(Enumerable.Range(0, 16).Select(cx => 10 * 32 + cx).ToArray(), ones);
    }

    [Fact]
    public void Wrong_mask_length_is_refused()
    {
        Assert.Throws<InvalidInputException>(() => LatentMask.FromPixelMask(new float[10], 4, 4, 2, 2));
    }
}
