using AnomalyEngine.Compute;
using AnomalyEngine.Detection;
using AnomalyEngine.Detection.PatchCore;
using AnomalyEngine.Imaging;

namespace AnomalyEngine.Tests.Detection;

public class PatchCoreTests
{
    [Fact]
    public void AvgPool_averages_the_3x3_neighbourhood_counting_zero_padding()
    {
        float[] src = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        var dst = PatchFeatures.AvgPool3x3(src, 1, 3, 3);
        Assert.Equal(45f / 9, dst[4], 5);
        Assert.Equal((1 + 2 + 4 + 5) / 9f, dst[0], 5);
        Assert.Equal((2 + 3 + 5 + 6 + 8 + 9) / 9f, dst[5], 5);
    }

    [Fact]
    public void ResizeBilinear_matches_torch_interpolate_without_aligned_corners()
    {
        // torch.nn.functional.interpolate([[0,1],[2,3]], size=(4,3), mode="bilinear", align_corners=False)
        float[] expected = [0.0f, 0.5f, 1.0f, 0.5f, 1.0f, 1.5f, 1.5f, 2.0f, 2.5f, 2.0f, 2.5f, 3.0f];
        var actual = PatchFeatures.ResizeBilinear(new float[] { 0, 1, 2, 3 }, 1, 2, 2, 4, 3);
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], actual[i], 5);
    }

    [Fact]
    public void GaussianBlur_matches_scipy_gaussian_filter_reflect()
    {
        var img = new float[35];
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 7; j++)
                img[i * 7 + j] = ((i * 7 + j * 3) % 11) / 10f;
        // scipy.ndimage.gaussian_filter(img, 1.5, mode="reflect", truncate=4.0)
        double[] expected = [0.4418, 0.474247, 0.501853, 0.496532, 0.472847, 0.466547, 0.478905, 0.493005, 0.50626, 0.510472, 0.494344, 0.475725, 0.47918, 0.496518, 0.551526, 0.539855, 0.51649, 0.491262, 0.482281, 0.49744, 0.518557, 0.590049, 0.557975, 0.515889, 0.490718, 0.493185, 0.512028, 0.527372, 0.607921, 0.564368, 0.513633, 0.492782, 0.503658, 0.519787, 0.52499];
        var actual = AnomalyMapSmoothing.GaussianBlur(img, 5, 7, 1.5f);
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], actual[i], 2e-6);
    }

    [Fact]
    public void Coreset_picks_the_farthest_point_each_time()
    {
        // 1-D points; from a start s the greedy order is fixed by hand: farthest from {s}, then from both.
        float[] points = [0, 1, 10, 11, 5];
        var search = new ManagedPatchSearch();
        var chosen = Coreset.Greedy(points, 5, 1, 3, 0, seed: 3, search);
        int start = chosen[0];
        int[] expectedAfter0 = [3, 4], expectedAfter3 = [0, 4]; // {0}: 11 then 5; {11}: 0 then 5
        if (start == 0) Assert.Equal(expectedAfter0, chosen[1..]);
        else if (start == 3) Assert.Equal(expectedAfter3, chosen[1..]);
        var naive = NaiveGreedy(points, 5, 1, 3, start);
        Assert.Equal(naive, chosen);
    }

    [Fact]
    public void Coreset_matches_a_brute_force_greedy_k_center()
    {
        var (points, n, d) = RandomRows(300, 9, 11);
        var chosen = Coreset.Greedy(points, n, d, 25, 0, seed: 5, new ManagedPatchSearch());
        Assert.Equal(NaiveGreedy(points, n, d, 25, chosen[0]), chosen);
    }

    [Fact]
    public void KNearest_matches_brute_force_mean_of_k_smallest_distances()
    {
        var (bank, m, d) = RandomRows(120, 13, 1);
        var (queries, q, _) = RandomRows(17, 13, 2);
        var result = new float[q];
        new ManagedPatchSearch().KNearest(queries, q, bank, m, d, 3, result);
        for (int i = 0; i < q; i++)
        {
            var dist = Enumerable.Range(0, m).Select(j => Math.Sqrt(Enumerable.Range(0, d).Sum(c => Math.Pow(queries[i * d + c] - bank[j * d + c], 2)))).OrderBy(x => x).Take(3).Average();
            Assert.Equal(dist, result[i], 4);
        }
    }

    [Fact]
    public void Ilgpu_kernels_give_the_managed_results_on_the_cpu_accelerator()
    {
        using var device = ComputeDevice.Create(DevicePreference.Cpu);
        using var gpu = new IlgpuPatchSearch(device);
        var managed = new ManagedPatchSearch();
        var (bank, m, d) = RandomRows(64, 10, 3);
        var (queries, q, _) = RandomRows(9, 10, 4);
        var a = new float[q];
        var b = new float[q];
        managed.KNearest(queries, q, bank, m, d, 4, a);
        gpu.KNearest(queries, q, bank, m, d, 4, b);
        for (int i = 0; i < q; i++)
            Assert.Equal(a[i], b[i], 4);
        Assert.Equal(Coreset.Greedy(bank, m, d, 10, 0, 9, managed), Coreset.Greedy(bank, m, d, 10, 0, 9, gpu));
    }

    [Fact]
    public void Detector_scores_a_training_image_zero_and_locates_a_bright_patch()
    {
        var backbone = new FakeBackbone();
        var normals = Enumerable.Range(0, 3).Select(k => Stripes(32, 32, k)).ToList();
        using var detector = PatchCoreDetector.Fit(backbone, normals, new PatchCoreOptions { CoresetFraction = 1f, SmoothingSigma = 0 });
        Assert.Equal(3 * 16 * 16, detector.BankSize);
        Assert.Equal(0f, detector.Score(normals[1]).Score, 5);

        var defect = Stripes(32, 32, 1);
        for (int y = 20; y < 26; y++)
            for (int x = 4; x < 10; x++)
                defect.Data[y * 32 + x] = 1f;
        var map = detector.Score(defect);
        int argmax = Array.IndexOf(map.Pixels, map.Pixels.Max());
        Assert.InRange(argmax / 32, 16, 29);
        Assert.InRange(argmax % 32, 0, 13);
        Assert.True(map.Score > 0.1f);
        Assert.Equal(map.Pixels.Max(), map.Score);
    }

    [Fact]
    public void Saved_bank_loads_to_the_same_scores_through_the_generic_loader()
    {
        var backbone = new FakeBackbone();
        var normals = Enumerable.Range(0, 2).Select(k => Stripes(16, 16, k)).ToList();
        using var detector = PatchCoreDetector.Fit(backbone, normals, new PatchCoreOptions { CoresetFraction = 0.5f, FeatureProjectionDim = 3, Neighbours = 2 });
        string folder = Path.Combine(Path.GetTempPath(), $"ae-patchcore-{Guid.NewGuid():N}");
        try
        {
            detector.Save(folder);
            var loaded = Detectors.Load(folder, backbone);
            Assert.IsType<PatchCoreDetector>(loaded);
            var probe = Stripes(16, 16, 5);
            Assert.Equal(detector.Score(probe).Pixels, loaded.Score(probe).Pixels);
            Assert.Throws<ModelException>(() => AnomalyEngine.Detection.Head.HeadDetector.Load(folder, backbone));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, true);
        }
    }

    [Fact]
    public void Detector_rejects_an_empty_training_set_and_a_bad_fraction()
    {
        Assert.Throws<InvalidInputException>(() => PatchCoreDetector.Fit(new FakeBackbone(), []));
        Assert.Throws<InvalidOptionException>(() => PatchCoreDetector.Fit(new FakeBackbone(), [Stripes(8, 8, 0)], new PatchCoreOptions { CoresetFraction = 0 }));
    }

    internal static ImageTensor Stripes(int h, int w, int phase)
    {
        var data = new float[h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                data[y * w + x] = 0.3f + 0.2f * MathF.Sin((x + phase) * 0.7f);
        return new ImageTensor(data, 1, h, w);
    }

    private static (float[] Rows, int Count, int Dim) RandomRows(int n, int d, ulong seed)
    {
        var rows = new float[n * d];
        for (int i = 0; i < rows.Length; i++)
            rows[i] = Philox.Normal(seed, 0, 0, (uint)i);
        return (rows, n, d);
    }

    private static int[] NaiveGreedy(float[] p, int n, int d, int size, int start)
    {
        var chosen = new List<int> { start };
        while (chosen.Count < size)
        {
            int best = -1;
            double bestDist = -1;
            for (int i = 0; i < n; i++)
            {
                double min = chosen.Min(c => Enumerable.Range(0, d).Sum(k => (double)(p[i * d + k] - p[c * d + k]) * (p[i * d + k] - p[c * d + k])));
                if (min > bestDist) { bestDist = min; best = i; }
            }
            chosen.Add(best);
        }
        return chosen.ToArray();
    }
}
