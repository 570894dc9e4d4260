using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AnomalyEngine.Compute;
using AnomalyEngine.Data;
using AnomalyEngine.Diffusion;
using AnomalyEngine.Embedding;
using AnomalyEngine.Generation;
using AnomalyEngine.Native;

namespace AnomalyEngine.Bench;

/// <summary>
/// Stage 1 and stage 2 throughput on a real bundle, with the time spent inside the graphs measured
/// by wrapping the model's predictor, autoencoder and gradient:
///   learn-steps &lt;bundle&gt; &lt;category dir&gt; &lt;defect&gt; &lt;steps&gt; &lt;threads&gt; [batch] [fused|two-call]
///   generate-rate &lt;bundle&gt; &lt;category dir&gt; &lt;embedding.json&gt; &lt;images&gt; &lt;threads&gt; [foreground|whole] &lt;batch&gt;...
/// Each prints one JSON line per measurement.
/// </summary>
internal static class StageBench
{
    private const int WarmupSteps = 5;

    public static void LearnSteps(string[] a)
    {
        string bundleDir = a[0], data = a[1], defect = a[2];
        int steps = int.Parse(a[3], CultureInfo.InvariantCulture), threads = int.Parse(a[4], CultureInfo.InvariantCulture);
        int batch = a.Length > 5 ? int.Parse(a[5], CultureInfo.InvariantCulture) : 4;
        var bundle = ModelBundle.Open(bundleDir);
        // fused: unet_loss_grad, one graph call per step (what `learn` uses when the bundle has it);
        // two-call: unet for the loss, then unet_grad for the gradient.
        bool fused = (a.Length > 6 ? a[6] : bundle.HasUnetLossGrad ? "fused" : "two-call") switch
        {
            "fused" => true,
            "two-call" => false,
            var x => throw new ArgumentException($"unknown learn path '{x}': use fused or two-call"),
        };
        var support = SupportSetLoader.FromDataset(MvtecLayout.Read(data), defect, 3, 0, bundle.ImageSize);
        using var device = ComputeDevice.Create(DevicePreference.Cpu);
        using var graphs = BundleGraphs.Open(bundle, new GraphSessionOptions { Threads = threads });
        var forwardTimer = new Stopwatch();
        var gradTimer = new Stopwatch();
        var model = graphs.Model() is var m ? m with { Predictor = new TimedPredictor(m.Predictor, forwardTimer) } : null!;
        var lossTimer = new Stopwatch();
        var gradient = fused ? null : new TimedGradient(new GraphConditioningGradient(graphs.UnetGrad ?? throw new InvalidOperationException("bundle has no unet_grad"), bundle), gradTimer);
        var lossGradient = fused ? new TimedLossGradient(new GraphConditioningLossGradient(graphs.UnetLossGrad ?? throw new InvalidOperationException("bundle has no unet_loss_grad"), bundle), lossTimer) : null;
        EmbeddingLearner Learner(int n) => new(model, bundle.Template, bundle.PlaceholderSlot, bundle.InitialEmbedding, gradient, null, device,
            new LearnOptions { Steps = n, BatchSize = batch, Gradient = GradientMode.Exact, CheckpointEvery = 0 }, lossGradient);

        Learner(WarmupSteps).Learn(support, null);
        forwardTimer.Reset();
        gradTimer.Reset();
        lossTimer.Reset();
        var clock = Stopwatch.StartNew();
        var result = Learner(steps).Learn(support, null);
        clock.Stop();
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            loop = "anomaly-engine",
            path = fused ? "fused" : "two-call",
            threads,
            batch,
            steps,
            seconds = clock.Elapsed.TotalSeconds,
            steps_per_s = steps / clock.Elapsed.TotalSeconds,
            graph_share = (forwardTimer.Elapsed.TotalSeconds + gradTimer.Elapsed.TotalSeconds + lossTimer.Elapsed.TotalSeconds) / clock.Elapsed.TotalSeconds,
            unet_ms_per_step = forwardTimer.Elapsed.TotalMilliseconds / steps,
            unet_grad_ms_per_step = gradTimer.Elapsed.TotalMilliseconds / steps,
            unet_loss_grad_ms_per_step = lossTimer.Elapsed.TotalMilliseconds / steps,
            final_loss = result.Losses.TakeLast(Math.Min(50, steps)).Average(),
        }));
    }

    public static void GenerateRate(string[] a)
    {
        string bundleDir = a[0], data = a[1], embeddingPath = a[2];
        int images = int.Parse(a[3], CultureInfo.InvariantCulture), threads = int.Parse(a[4], CultureInfo.InvariantCulture);
        var region = a[5] == "whole" ? AllowedRegion.Whole : AllowedRegion.Foreground;
        var batches = a.Skip(a[5] is "whole" or "foreground" ? 6 : 5).Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        var bundle = ModelBundle.Open(bundleDir);
        var embedding = new EmbeddingSource(AnomalyEmbedding.Load(embeddingPath), embeddingPath);
        var dataset = MvtecLayout.Read(data);
        // One box x two samples per normal image (hazelnut_toy has only 28 normals): images / 2 normals.
        const int samples = 2;
        var sources = dataset.Train.Where(x => !x.IsAnomalous).OrderBy(x => x.ImagePath, StringComparer.Ordinal).Take(images / samples)
            .Select(x => new NormalImage(x.ImagePath, Path.GetFileName(x.ImagePath))).ToList();
        if (sources.Count * samples != images) throw new InvalidOperationException($"{data} has only {sources.Count} normal training images");
        using var device = ComputeDevice.Create(DevicePreference.Cpu);
        using var graphs = BundleGraphs.Open(bundle, new GraphSessionOptions { Threads = threads });
        var unetTimer = new Stopwatch();
        var vaeTimer = new Stopwatch();
        var m = graphs.Model();
        var model = m with { Predictor = new TimedPredictor(m.Predictor, unetTimer), Autoencoder = new TimedAutoencoder(m.Autoencoder!, vaeTimer) };
        HostStages(sources, embedding.Embedding, bundle.ImageSize, images / sources.Count, region);
        string root = Path.Combine(Path.GetTempPath(), "ae-generate-rate-" + Environment.ProcessId);
        try
        {
            foreach (var batch in batches)
            {
                var options = new GenerateOptions { BoxesPerImage = 1, SamplesPerBox = samples, BatchSize = batch, Region = region };
                // Warm-up: one batch on the first images (graph sessions, kernels, JIT), not timed.
                new AnomalyGenerator(bundle, model, device, options).Run(sources.Take((batch + 1) / samples).ToList(), [embedding], Path.Combine(root, $"warm{batch}"));
                unetTimer.Reset();
                vaeTimer.Reset();
                var clock = Stopwatch.StartNew();
                var summary = new AnomalyGenerator(bundle, model, device, options).Run(sources, [embedding], Path.Combine(root, $"b{batch}"));
                clock.Stop();
                double wall = clock.Elapsed.TotalSeconds;
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    region = region.ToString(),
                    batch,
                    threads,
                    images = summary.Written,
                    without_box = summary.WithoutBox,
                    seconds = wall,
                    images_per_s = summary.Written / wall,
                    unet_share = unetTimer.Elapsed.TotalSeconds / wall,
                    vae_share = vaeTimer.Elapsed.TotalSeconds / wall,
                    engine_share = (unetTimer.Elapsed.TotalSeconds + vaeTimer.Elapsed.TotalSeconds) / wall,
                }));
            }
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, true);
        }
    }

    // The host work the generator does per source image and per item, timed stage by stage with the
    // same calls (AnomalyGenerator's source cache and box proposal), without any graph call.
    private static void HostStages(List<NormalImage> sources, AnomalyEmbedding embedding, int size, int itemsPerSource, AllowedRegion region)
    {
        var read = new Stopwatch();
        var resize = new Stopwatch();
        var foreground = new Stopwatch();
        var boxes = new Stopwatch();
        var write = new Stopwatch();
        int found = 0;
        string tmp = Path.Combine(Path.GetTempPath(), $"ae-host-stages-{Environment.ProcessId}.png");
        foreach (var (source, index) in sources.Select((s, i) => (s, i)))
        {
            read.Start();
            var original = Imaging.ImageCodec.ReadImage(source.Path, 3, Imaging.PixelRange.ZeroToOne);
            read.Stop();
            resize.Start();
            _ = Imaging.ImageResize.Bicubic(original, size, size);
            resize.Stop();
            bool[]? allowed = null;
            if (region == AllowedRegion.Foreground)
            {
                foreground.Start();
                int n = original.Height * original.Width;
                var grey = new byte[n];
                for (int i = 0; i < n; i++)
                    grey[i] = (byte)Math.Clamp(MathF.Round((0.299f * original.Data[i] + 0.587f * original.Data[n + i] + 0.114f * original.Data[2 * n + i]) * 255f), 0f, 255f);
                allowed = ForegroundMask.FromGrey(grey, original.Height, original.Width);
                foreground.Stop();
            }
            boxes.Start();
            for (int k = 0; k < itemsPerSource; k++)
                if (new BoxProposer(embedding.BoxSizes!).Propose(allowed, original.Height, original.Width, 0, (uint)(index * 16 + k)) is not null) found++;
            boxes.Stop();
            write.Start();
            for (int k = 0; k < itemsPerSource; k++) Imaging.ImageCodec.WriteImage(tmp, original);
            write.Stop();
        }
        File.Delete(tmp);
        double Ms(Stopwatch w) => w.Elapsed.TotalMilliseconds / sources.Count;
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            host_stages_ms_per_source = new { read = Ms(read), resize = Ms(resize), foreground = Ms(foreground), box_proposals = Ms(boxes), write_png = Ms(write) },
            items_per_source = itemsPerSource,
            boxes_found = found,
            size = $"{sources.Count} sources",
        }));
    }

    private sealed class TimedPredictor(INoisePredictor inner, Stopwatch timer) : INoisePredictor
    {
        public void Predict(float[] latents, long[] timesteps, float[] contexts, float[] output, int rows)
        {
            timer.Start();
            inner.Predict(latents, timesteps, contexts, output, rows);
            timer.Stop();
        }
    }

    private sealed class TimedAutoencoder(IAutoencoder inner, Stopwatch timer) : IAutoencoder
    {
        public void Encode(float[] images, float[] latents, int batch)
        {
            timer.Start();
            inner.Encode(images, latents, batch);
            timer.Stop();
        }

        public void Decode(float[] latents, float[] images, int batch)
        {
            timer.Start();
            inner.Decode(latents, images, batch);
            timer.Stop();
        }
    }

    private sealed class TimedGradient(IConditioningGradient inner, Stopwatch timer) : IConditioningGradient
    {
        public void Backward(float[] latents, long[] timesteps, float[] contexts, float[] gradOutput, float[] gradContext, int rows)
        {
            timer.Start();
            inner.Backward(latents, timesteps, contexts, gradOutput, gradContext, rows);
            timer.Stop();
        }
    }

    private sealed class TimedLossGradient(IConditioningLossGradient inner, Stopwatch timer) : IConditioningLossGradient
    {
        public void LossAndBackward(float[] latents, long[] timesteps, float[] contexts, float[] target, float[] weight, float[] loss, float[] gradContext, int rows)
        {
            timer.Start();
            inner.LossAndBackward(latents, timesteps, contexts, target, weight, loss, gradContext, rows);
            timer.Stop();
        }
    }
}
