using AnomalyEngine.Compute;
using AnomalyEngine.Diffusion;
using AnomalyEngine.Embedding;

namespace AnomalyEngine.Tests.Embedding;

public class EmbeddingLearnerTests
{
    private const int Size = 8, Channels = 3, Tokens = 2, Width = 4, N = Channels * Size * Size, Ctx = Tokens * Width;

    /// <summary>A unet that is linear in its conditioning: out = α z + K c, so its VJP is Kᵀ g.</summary>
    private sealed class LinearUnet(float alpha, float kScale) : INoisePredictor, IConditioningGradient
    {
        public static float K(int e, int j) => MathF.Sin(e * 0.7f + j * 1.3f);
        public int Rows;

        public void Predict(float[] latents, long[] timesteps, float[] contexts, float[] output, int rows)
        {
            Rows += rows;
            for (int r = 0; r < rows; r++)
                for (int e = 0; e < N; e++)
                {
                    float sum = alpha * latents[r * N + e];
                    for (int j = 0; j < Ctx; j++) sum += kScale * K(e, j) * contexts[r * Ctx + j];
                    output[r * N + e] = sum;
                }
        }

        public void Backward(float[] latents, long[] timesteps, float[] contexts, float[] gradOutput, float[] gradContext, int rows)
        {
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < Ctx; j++)
                {
                    float sum = 0;
                    for (int e = 0; e < N; e++) sum += kScale * K(e, j) * gradOutput[r * N + e];
                    gradContext[r * Ctx + j] = sum;
                }
        }
    }

    private static DiffusionModel Model(INoisePredictor predictor) => new(Size, Channels, Size, 1f, Tokens, Width, new float[Ctx],
        NoiseSchedule.Create(BetaSchedule.ScaledLinear, 1000), PredictionType.Epsilon, predictor, null);

    private static SupportSet Support(bool fullMask = false)
    {
        var examples = new List<SupportExample>();
        for (int k = 0; k < 3; k++)
        {
            var image = Enumerable.Range(0, N).Select(i => MathF.Cos(i * 0.37f + k)).ToArray();
            var mask = new float[Size * Size];
            for (int y = 0; y < Size; y++)
                for (int x = 0; x < Size; x++)
                    mask[y * Size + x] = fullMask || (y >= 2 && y < 5 && x >= 1 + k && x < 4 + k) ? 1 : 0;
            examples.Add(new SupportExample(image, mask, new SupportFile($"s{k}.png", $"{k}", $"s{k}_mask.png", $"m{k}")));
        }
        return new SupportSet("crack", Size, examples);
    }

    private static readonly float[] Template = [0, 0, 0, 0, 0.5f, -0.5f, 0.25f, 1f];
    private static readonly float[] Initial = [0.3f, -0.2f, 0.8f, 0.1f];

    private static EmbeddingLearner Learner(LinearUnet unet, ComputeDevice device, LearnOptions options) =>
        new(Model(unet), Template, 0, Initial, unet, null, device, options);

    [Fact]
    public void Exact_gradient_matches_finite_differences_of_the_loss()
    {
        using var device = ComputeDevice.Create(DevicePreference.Cpu);
        var learner = Learner(new LinearUnet(0.3f, 0.2f), device, new LearnOptions { Seed = 3, BatchSize = 4 });
        var support = Support();
        var (_, gradient) = learner.LossAndGradient(support, 7, Initial);
        const float h = 1e-2f;
        for (int d = 0; d < Width; d++)
        {
            var plus = (float[])Initial.Clone(); plus[d] += h;
            var minus = (float[])Initial.Clone(); minus[d] -= h;
            // The loss is quadratic in v, so the central difference is exact up to float rounding.
            double fd = (learner.LossAndGradient(support, 7, plus).Loss - learner.LossAndGradient(support, 7, minus).Loss) / (2 * h);
            Assert.Equal(fd, gradient[d], Math.Max(1e-4, Math.Abs(fd) * 2e-3));
        }
    }

    [Fact]
    public void Loss_is_the_mean_over_all_elements_of_the_masked_squared_error()
    {
        // A unet that predicts zero: with a full mask the loss is Σ eps² / (B·C·h·w), eps keyed by (seed, row, step, element).
        using var device = ComputeDevice.Create(DevicePreference.Cpu);
        var learner = Learner(new LinearUnet(0f, 0f), device, new LearnOptions { Seed = 11, BatchSize = 2 });
        var (loss, _) = learner.LossAndGradient(Support(fullMask: true), 5, Initial);
        double expected = 0;
        for (uint r = 0; r < 2; r++)
            for (uint i = 0; i < N; i++) { double e = Philox.Normal(11, r, 5, i); expected += e * e; }
        Assert.Equal(expected / (2 * N), loss, 1e-6);
    }

    [Fact]
    public void Learning_lowers_the_loss_on_fixed_rows()
    {
        using var device = ComputeDevice.Create(DevicePreference.Cpu);
        var unet = new LinearUnet(0.3f, 0.2f);
        var learner = Learner(unet, device, new LearnOptions { Seed = 1, Steps = 150, Optimizer = new AdamWOptions { LearningRate = 0.05 } });
        var support = Support();
        var result = learner.Learn(support, null);
        double before = Enumerable.Range(0, 20).Average(s => learner.LossAndGradient(support, s, Initial).Loss);
        double after = Enumerable.Range(0, 20).Average(s => learner.LossAndGradient(support, s, result.Vector).Loss);
        Assert.True(after < before, $"loss {before} -> {after}");
        // Most of the loss is noise no embedding can fit; the expected gradient, though, must nearly vanish at the optimum.
        double MeanGradientNorm(float[] v)
        {
            var mean = new double[Width];
            for (int s = 0; s < 20; s++)
            {
                var g = learner.LossAndGradient(support, s, v).Gradient;
                for (int d = 0; d < Width; d++) mean[d] += g[d] / 20;
            }
            return Math.Sqrt(mean.Sum(x => x * x));
        }
        Assert.True(MeanGradientNorm(result.Vector) < 0.3 * MeanGradientNorm(Initial));
        Assert.Equal(150, result.Losses.Count);
        Assert.Equal(GradientMode.Exact, result.Gradient);
    }

    [Fact]
    public void Resumed_run_ends_with_the_same_bytes_as_an_uninterrupted_one()
    {
        using var device = ComputeDevice.Create(DevicePreference.Cpu);
        var support = Support();
        var dir = Directory.CreateTempSubdirectory("ae-learn-");
        try
        {
            var whole = Learner(new LinearUnet(0.3f, 0.2f), device, new LearnOptions { Seed = 2, Steps = 12 }).Learn(support, null);
            string checkpoint = Path.Combine(dir.FullName, "c.json");
            using var cancel = new CancellationTokenSource();
            var progress = new SyncProgress(p => { if (p.Step == 5) cancel.Cancel(); });
            Assert.Throws<OperationCanceledException>(() =>
                Learner(new LinearUnet(0.3f, 0.2f), device, new LearnOptions { Seed = 2, Steps = 12, CheckpointEvery = 0 }).Learn(support, checkpoint, progress, cancel.Token));
            var resumed = Learner(new LinearUnet(0.3f, 0.2f), device, new LearnOptions { Seed = 2, Steps = 12, CheckpointEvery = 0 }).Learn(support, checkpoint);
            Assert.Equal(5, resumed.ResumedFromStep);
            Assert.Equal(whole.Vector, resumed.Vector);
            Assert.Equal(whole.Losses, resumed.Losses);
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void Gradient_free_estimate_points_along_the_exact_gradient_and_costs_2K_rows_per_row()
    {
        using var device = ComputeDevice.Create(DevicePreference.Cpu);
        var support = Support();
        var exact = Learner(new LinearUnet(0.3f, 0.2f), device, new LearnOptions { Seed = 4 }).LossAndGradient(support, 3, Initial).Gradient;
        var unet = new LinearUnet(0.3f, 0.2f);
        var free = new EmbeddingLearner(Model(unet), Template, 0, Initial, null, null, device,
            new LearnOptions { Seed = 4, Gradient = GradientMode.GradientFree, Directions = 200, Sigma = 0.01f, BatchSize = 4 });
        var estimate = free.LossAndGradient(support, 3, Initial).Gradient;
        Assert.Equal(2 * 200 * 4, unet.Rows);
        double dot = 0, ne = 0, nf = 0;
        for (int d = 0; d < Width; d++) { dot += exact[d] * estimate[d]; ne += exact[d] * exact[d]; nf += estimate[d] * estimate[d]; }
        Assert.True(dot / Math.Sqrt(ne * nf) > 0.95, $"cosine {dot / Math.Sqrt(ne * nf)}");
    }

    [Fact]
    public void Bad_support_and_options_are_refused_with_clear_errors()
    {
        using var device = ComputeDevice.Create(DevicePreference.Cpu);
        var empty = new SupportExample(new float[N], new float[Size * Size], new SupportFile("a.png", "", "a_mask.png", ""));
        Assert.Throws<InvalidInputException>(() => new SupportSet("x", Size, [empty]));
        Assert.Throws<InvalidInputException>(() => new SupportSet("x", Size, []));
        var unet = new LinearUnet(0, 0);
        Assert.Throws<InvalidOptionException>(() => new EmbeddingLearner(Model(unet), Template, 0, Initial, null, null, device, new LearnOptions { Gradient = GradientMode.Exact }));
        Assert.Throws<InvalidOptionException>(() => Learner(unet, device, new LearnOptions { Steps = 0 }));
        Assert.Throws<ModelException>(() => new EmbeddingLearner(Model(unet), Template, 5, Initial, unet, null, device, new LearnOptions()));
    }

    [Fact]
    public void Plain_loops_on_the_CPU_give_the_kernels_bytes()
    {
        using var device = ComputeDevice.Create(DevicePreference.Cpu);
        var support = Support();
        foreach (var mode in new[] { GradientMode.Exact, GradientMode.GradientFree })
        {
            var options = new LearnOptions { Seed = 8, Steps = 4, Gradient = mode, Directions = 3 };
            var unet = new LinearUnet(0.3f, 0.2f);
            var loops = new EmbeddingLearner(Model(unet), Template, 0, Initial, unet, null, device, options);
            var kernels = new EmbeddingLearner(Model(unet), Template, 0, Initial, unet, null, device, options) { KernelsOnCpu = true };
            var (lossA, gradA) = loops.LossAndGradient(support, 2, Initial);
            var (lossB, gradB) = kernels.LossAndGradient(support, 2, Initial);
            Assert.Equal(lossB, lossA);
            Assert.Equal(gradB, gradA);
            Assert.Equal(kernels.Learn(support, null).Vector, loops.Learn(support, null).Vector);
        }
    }

    private sealed class SyncProgress(Action<LearnProgress> report) : IProgress<LearnProgress>
    {
        public void Report(LearnProgress value) => report(value);
    }
}
