using AnomalyEngine.Compute;
using AnomalyEngine.Diffusion;
using BenchmarkDotNet.Attributes;

namespace AnomalyEngine.Bench;

/// <summary>
/// The host part of one sampler step with no graph at all (the predictor returns at once): blend
/// kernel, device→host copy, host→device copy, guidance + DDIM kernel, on ILGPU's accelerator.
/// This is the cost every step adds to the graph call. Latents 4x32x32 (the AnoGen reference size).
/// Run: dotnet run -c Release --project bench/AnomalyEngine.Bench -- --filter '*DiffusionHost*'
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class DiffusionHostBench
{
    private ComputeDevice _device = null!;
    private SamplingRun _run = null!;

    /// <summary>Images per batch (2x rows with guidance).</summary>
    [Params(1, 8)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _device = ComputeDevice.Create(DevicePreference.Auto);
        var model = new DiffusionModel(32, 4, 32, 1f, 8, 128, new float[8 * 128],
            NoiseSchedule.Create(BetaSchedule.ScaledLinear, 1000), PredictionType.Epsilon, new NoPredictor(), new CopyAutoencoder());
        var sampler = new GuidedBlendSampler(model, _device, new SamplerOptions { Steps = 50, GuidanceScale = 10f });
        var mask = new float[32 * 32];
        for (int y = 8; y < 24; y++)
            for (int x = 8; x < 24; x++)
                mask[y * 32 + x] = 1f;
        var requests = Enumerable.Range(0, Batch).Select(i =>
            new SampleRequest(Enumerable.Range(0, 3 * 32 * 32).Select(k => MathF.Sin(k + i) * 0.5f).ToArray(), mask, new float[8 * 128], (uint)i)).ToArray();
        _run = new SamplingRun(sampler, requests);
        _run.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _run.Dispose();
        _device.Dispose();
    }

    /// <summary>A step without the graph: blend, copies and the guided DDIM update.</summary>
    [Benchmark]
    public void HostStep()
    {
        _run.Blend(25);
        _run.Predict(25);
        _run.Update(25);
    }

    private sealed class NoPredictor : INoisePredictor
    {
        public void Predict(float[] latents, long[] timesteps, float[] contexts, float[] output, int rows) { }
    }

    private sealed class CopyAutoencoder : IAutoencoder
    {
        public void Encode(float[] images, float[] latents, int batch)
        {
            for (int i = 0; i < latents.Length; i++) latents[i] = images[i % images.Length];
        }

        public void Decode(float[] latents, float[] images, int batch)
        {
            for (int i = 0; i < images.Length; i++) images[i] = latents[i % latents.Length];
        }
    }
}
