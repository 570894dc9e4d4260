using AnomalyEngine.Compute;
using AnomalyEngine.Diffusion;
using AnomalyEngine.Embedding;
using AnomalyEngine.Tests.Diffusion;
using AnomalyEngine.Tests.Models;

namespace AnomalyEngine.Tests.Embedding;

/// <summary>
/// Stage 1 through real bundle graphs: the oracle bundle (closed-form unet, so the loss is an exact
/// quadratic in the embedding and its optimum is known) and the default bundle (a trained UNet).
/// Each exact check runs both exact paths: the fused unet_loss_grad graph and unet + unet_grad.
/// </summary>
public class LearnerGraphTests
{
    /// <summary>A learner on a bundle's graphs: fused (unet_loss_grad), two-call (unet + unet_grad) or gradient-free.</summary>
    private sealed class BundleLearner : IDisposable
    {
        private readonly BundleGraphs _graphs;
        private readonly ComputeDevice _device = ComputeDevice.Create(DevicePreference.Cpu);

        public BundleLearner(string bundleDir, string path, LearnOptions options)
        {
            Bundle = ModelBundle.Open(bundleDir);
            _graphs = BundleGraphs.Open(Bundle);
            var b = Bundle;
            var gradient = path == "two-call" ? new GraphConditioningGradient(_graphs.UnetGrad!, b) : null;
            var fused = path == "fused" ? new GraphConditioningLossGradient(_graphs.UnetLossGrad!, b) : null;
            if (path == "gradient-free") options = options with { Gradient = GradientMode.GradientFree };
            Learner = new EmbeddingLearner(_graphs.Model(), b.Template, b.PlaceholderSlot, b.InitialEmbedding, gradient, null, _device, options, fused);
            Assert.Equal(path == "fused", Learner.UsesFusedGraph);
        }

        public ModelBundle Bundle { get; }
        public EmbeddingLearner Learner { get; }

        public void Dispose()
        {
            _graphs.Dispose();
            _device.Dispose();
        }
    }

    /// <summary>
    /// Three smooth images in [-1, 1] with masks made of whole blocks of <paramref name="block"/>
    /// pixels, so that the bilinear latent mask (downscale by <paramref name="block"/>, then != 0)
    /// is exactly those blocks.
    /// </summary>
    private static SupportSet Support(int size, int block)
    {
        var examples = new List<SupportExample>();
        int cells = size / block;
        for (int k = 0; k < 3; k++)
        {
            var image = new float[3 * size * size];
            for (int c = 0; c < 3; c++)
                for (int i = 0; i < size * size; i++)
                    image[c * size * size + i] = 0.8f * MathF.Sin(0.37f * (i % size) + 0.23f * (i / size) * (c + 1) + k);
            var mask = new float[size * size];
            for (int cy = 0; cy < cells; cy++)
                for (int cx = 0; cx < cells; cx++)
                {
                    bool on = cy >= cells / 4 && cy < cells / 4 + 2 + k && cx >= k && cx < k + cells / 2;
                    if (!on) continue;
                    for (int y = cy * block; y < (cy + 1) * block; y++)
                        for (int x = cx * block; x < (cx + 1) * block; x++) mask[y * size + x] = 1;
                }
            examples.Add(new SupportExample(image, mask, new SupportFile($"s{k}.png", $"{k}", $"s{k}_mask.png", $"m{k}")));
        }
        return new SupportSet("defect", size, examples);
    }

    private static float[] Direction(int width, int seed)
    {
        var d = Enumerable.Range(0, width).Select(i => Philox.Normal((ulong)seed, 1, 0, (uint)i)).ToArray();
        float norm = MathF.Sqrt(d.Sum(x => x * x));
        return d.Select(x => x / norm).ToArray();
    }

    private static float[] Along(float[] v, float[] d, float h) => v.Select((x, i) => x + h * d[i]).ToArray();

    private static double Dot(float[] a, float[] b) => a.Select((x, i) => (double)x * b[i]).Sum();

    /// <summary>(L(v + h d) − L(v − h d)) / 2h on one step's rows.</summary>
    private static double CentralDifference(EmbeddingLearner learner, SupportSet support, int step, float[] v, float[] d, float h) =>
        (learner.LossAndGradient(support, step, Along(v, d, h)).Loss - learner.LossAndGradient(support, step, Along(v, d, -h)).Loss) / (2 * h);

    [Theory]
    [InlineData("fused")]
    [InlineData("two-call")]
    public void Exact_gradient_matches_central_differences_on_the_oracle_bundle(string path)
    {
        // The oracle's loss is a quadratic in v, so a central difference is exact up to float rounding.
        using var l = new BundleLearner(OracleBundle.Directory, path, new LearnOptions { Seed = 5, BatchSize = 4 });
        var support = Support(l.Bundle.ImageSize, l.Bundle.ImageSize / l.Bundle.LatentSize);
        var v = l.Bundle.InitialEmbedding;
        var (_, gradient) = l.Learner.LossAndGradient(support, 3, v);
        Assert.True(Dot(gradient, gradient) > 0);
        for (int seed = 0; seed < 3; seed++)
        {
            var d = Direction(v.Length, seed);
            const float h = 0.05f;
            double fd = CentralDifference(l.Learner, support, 3, v, d, h);
            Assert.Equal(fd, Dot(gradient, d), Math.Abs(fd) * 1e-3 + 1e-7);
        }
    }

    [Theory]
    [InlineData("fused")]
    [InlineData("two-call")]
    public void Exact_gradient_matches_central_differences_on_the_default_bundle(string path)
    {
        // A trained UNet in float32: the central difference carries O(h²) truncation and the graph's
        // float rounding, which is large next to single directional derivatives (they are ~1e-7 here),
        // so errors are measured against |g|: within 1% along the gradient itself and three random unit
        // directions (measured: at most 0.08%).
        using var l = new BundleLearner(DefaultBundleTests.BundleDirectory, path, new LearnOptions { Seed = 2, BatchSize = 2 });
        var support = Support(l.Bundle.ImageSize, l.Bundle.ImageSize / l.Bundle.LatentSize);
        var v = l.Bundle.InitialEmbedding;
        var (_, gradient) = l.Learner.LossAndGradient(support, 1, v);
        double norm = Math.Sqrt(Dot(gradient, gradient));
        Assert.True(norm > 0);
        float h = 0.05f * MathF.Sqrt(v.Sum(x => x * x));
        var directions = Enumerable.Range(0, 3).Select(seed => Direction(v.Length, seed)).Prepend(gradient.Select(g => (float)(g / norm)).ToArray());
        foreach (var (d, i) in directions.Select((d, i) => (d, i)))
        {
            double fd = CentralDifference(l.Learner, support, 1, v, d, h);
            double analytic = Dot(gradient, d);
            Assert.True(Math.Abs(analytic - fd) <= 0.01 * norm, $"direction {i}: gradient {analytic} vs central difference {fd} (|g| = {norm})");
        }
    }

    [Theory]
    [InlineData("oracle")]
    [InlineData("default")]
    public void Fused_and_two_call_paths_agree_on_loss_and_gradient(string which)
    {
        string dir = which == "oracle" ? OracleBundle.Directory : DefaultBundleTests.BundleDirectory;
        var options = new LearnOptions { Seed = 9, BatchSize = 3 };
        using var fused = new BundleLearner(dir, "fused", options);
        using var twoCall = new BundleLearner(dir, "two-call", options);
        var support = Support(fused.Bundle.ImageSize, fused.Bundle.ImageSize / fused.Bundle.LatentSize);
        for (int step = 0; step < 3; step++)
        {
            var (lossA, gradA) = fused.Learner.LossAndGradient(support, step, fused.Bundle.InitialEmbedding);
            var (lossB, gradB) = twoCall.Learner.LossAndGradient(support, step, fused.Bundle.InitialEmbedding);
            Assert.Equal(lossB, lossA, 1e-5 * lossB);
            double scale = Math.Sqrt(Dot(gradB, gradB));
            Assert.True(gradA.Select((g, i) => Math.Abs(g - gradB[i])).Max() <= 1e-4 * scale, $"step {step}: fused and two-call gradients differ");
        }
    }

    [Fact]
    public void Learned_embedding_reaches_the_analytic_optimum_on_the_oracle_bundle()
    {
        // Oracle: eps_theta = A_t x_t - B_t mu(c), mu(c) the mean of the conditioning, and A_t r_t = B_t.
        // With x_t = r x0 + s eps the expected loss is E[M ((1 - A s) eps + B (mu - x0))²] / N, minimised at
        // mu* = Σ M x0 / Σ M: the masked mean of the support latents (each image is drawn alike; a flip
        // moves image and mask together). Only Σ v moves mu, so compare mu(c(v)) with mu*.
        var options = new LearnOptions { Seed = 1, BatchSize = 8, Steps = 600, Optimizer = new AdamWOptions { LearningRate = 0.01, WeightDecay = 0 } };
        using var l = new BundleLearner(OracleBundle.Directory, "fused", options);
        var b = l.Bundle;
        int block = b.ImageSize / b.LatentSize;
        var support = Support(b.ImageSize, block);

        // Independent of the engine's encoder and mask code: the oracle encoder is a 2x2 average pool
        // then the 1x1 convolution in the manifest ("oracle.encoder"), times scale_factor.
        double[,] enc = { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 }, { 1 / 3.0, 1 / 3.0, 1 / 3.0 } };
        double masked = 0, count = 0;
        int s = b.ImageSize, h = b.LatentSize;
        foreach (var e in support.Examples)
            for (int cy = 0; cy < h; cy++)
                for (int cx = 0; cx < h; cx++)
                {
                    if (e.Mask[cy * block * s + cx * block] == 0) continue;
                    for (int c = 0; c < b.LatentChannels; c++)
                    {
                        double z = 0;
                        for (int k = 0; k < 3; k++)
                            for (int y = cy * block; y < (cy + 1) * block; y++)
                                for (int x = cx * block; x < (cx + 1) * block; x++)
                                    z += enc[c, k] * e.Image[k * s * s + y * s + x] / (block * block);
                        masked += b.ScaleFactor * z;
                        count++;
                    }
                }
        double optimum = masked / count;
        double Mu(float[] v) => b.Conditioning(v).Average(x => (double)x);
        double start = Mu(b.InitialEmbedding);
        Assert.True(Math.Abs(start - optimum) > 0.1, $"the test needs a start away from the optimum ({start} vs {optimum})");

        var result = l.Learner.Learn(support, null);
        // Tolerance 0.01 (the start is more than 0.1 away): the last iterate jitters around mu* with
        // the per-step gradient noise; measured |mu - mu*| = 0.003 (start: 0.127 away).
        Assert.True(Math.Abs(Mu(result.Vector) - optimum) < 0.01, $"mu = {Mu(result.Vector)}, analytic optimum {optimum}, start {start}");
    }

    [Fact]
    public void Gradient_free_estimate_is_unbiased_for_the_exact_gradient_on_the_oracle_bundle()
    {
        // On the oracle the loss is quadratic in v, so each antithetic term ((L(v+σu) - L(v-σu)) / 2σ) u
        // equals (g·u) u exactly and E[ĝ] = g for u ~ N(0, I). Per step the error e = ĝ - g has mean 0 and
        // covariance (g gᵀ + |g|² I) / K. With K = 16 directions, over S = 400 steps (each with its own rows, so its own g) the
        // mean error of every component must lie within 4 standard errors (measured: 1.1): under the CLT a false alarm
        // has probability below 6.4e-5 per component, 5e-4 for all 8 (99.9% confidence).
        const int steps = 400, width = 8;
        var options = new LearnOptions { Seed = 7, BatchSize = 4, Directions = 16, Sigma = 0.05f };
        using var exact = new BundleLearner(OracleBundle.Directory, "fused", options);
        using var free = new BundleLearner(OracleBundle.Directory, "gradient-free", options);
        var support = Support(exact.Bundle.ImageSize, exact.Bundle.ImageSize / exact.Bundle.LatentSize);
        var v = exact.Bundle.InitialEmbedding;
        Assert.Equal(width, v.Length);
        var errors = new double[steps, width];
        var biased = new double[steps, width];
        for (int step = 0; step < steps; step++)
        {
            var g = exact.Learner.LossAndGradient(support, step, v).Gradient;
            var estimate = free.Learner.LossAndGradient(support, step, v).Gradient;
            for (int d = 0; d < width; d++)
            {
                errors[step, d] = estimate[d] - g[d];
                biased[step, d] = estimate[d] - 1.25 * g[d]; // what a 25% scale error would look like
            }
        }
        double MaxZ(double[,] e)
        {
            double worst = 0;
            for (int d = 0; d < width; d++)
            {
                double mean = 0, sq = 0;
                for (int s = 0; s < steps; s++) mean += e[s, d] / steps;
                for (int s = 0; s < steps; s++) sq += (e[s, d] - mean) * (e[s, d] - mean);
                double se = Math.Sqrt(sq / (steps - 1) / steps);
                worst = Math.Max(worst, Math.Abs(mean / se));
            }
            return worst;
        }
        double z = MaxZ(errors);
        double zBiased = MaxZ(biased);
        Assert.True(z < 4, $"largest |mean error| / standard error = {z}");
        // The test has the power to see a real bias: a 25% scale error lands outside 4 standard errors (measured z = 6.0).
        Assert.True(zBiased > 4, $"a 25% scale error gave only z = {zBiased} (unbiased: {z})");
    }
}
