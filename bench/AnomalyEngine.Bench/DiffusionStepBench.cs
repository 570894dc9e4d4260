using AnomalyEngine.Compute;
using AnomalyEngine.Diffusion;
using AnomalyEngine.Native;
using BenchmarkDotNet.Attributes;

namespace AnomalyEngine.Bench;

/// <summary>
/// One AnoGen sampler step on a small real UNet (bench/diffusion/torch_loop.py writes
/// artifacts/bench/unet.onnx): the host part (blend kernel, copies, guidance + DDIM kernel) against
/// the graph call, batch 4 (8 rows with guidance), latents 4x16x16, context 8x128.
/// Run: dotnet run -c Release --project bench/AnomalyEngine.Bench -- --filter '*DiffusionStep*'
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8)]
public class DiffusionStepBench
{
    private const int Batch = 4, Step = 25;
    private ComputeDevice _device = null!;
    private GraphSession _unet = null!;
    private GuidedBlendSampler _sampler = null!;
    private SamplingRun _run = null!;
    private SampleRequest[] _requests = null!;

    /// <summary>ONNX Runtime intra-op threads (PyTorch gets the same number in torch_loop.py).</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var path = Path.Combine(RepoRoot(), "artifacts", "bench", "unet.onnx");
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} is missing: run /usr/bin/python3 bench/diffusion/torch_loop.py first.");
        _device = ComputeDevice.Create(DevicePreference.Cpu);
        _unet = GraphSession.Open(path, new GraphSessionOptions { Threads = Threads });
        var model = new DiffusionModel(32, 4, 16, 1f, 8, 128, new float[8 * 128],
            NoiseSchedule.Create(BetaSchedule.ScaledLinear, 1000), PredictionType.Epsilon, new UnetPredictor(_unet), new HalvingAutoencoder());
        _sampler = new GuidedBlendSampler(model, _device, new SamplerOptions { Steps = 50, GuidanceScale = 10f });
        var mask = new float[32 * 32];
        for (int y = 8; y < 24; y++)
            for (int x = 8; x < 24; x++)
                mask[y * 32 + x] = 1f;
        _requests = Enumerable.Range(0, Batch).Select(i =>
            new SampleRequest(Enumerable.Range(0, 3 * 32 * 32).Select(k => MathF.Sin(k + i) * 0.5f).ToArray(), mask,
                Enumerable.Range(0, 8 * 128).Select(k => MathF.Cos(k * 0.1f)).ToArray(), (uint)i)).ToArray();
        _run = new SamplingRun(_sampler, _requests);
        _run.Start();
        _run.Step(Step);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _run.Dispose();
        _unet.Dispose();
        _device.Dispose();
    }

    /// <summary>Everything but the graph call: blend kernel, device→host copy, host→device copy, guidance + DDIM kernel.</summary>
    [Benchmark]
    public void HostOnly()
    {
        _run.Blend(Step);
        _run.Update(Step);
    }

    /// <summary>The graph call alone: 8 rows through the UNet.</summary>
    [Benchmark]
    public void GraphCall() => _run.Predict(Step);

    /// <summary>The whole step.</summary>
    [Benchmark(Baseline = true)]
    public void FullStep() => _run.Step(Step);

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AnomalyEngine.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("AnomalyEngine.sln not found above the benchmark.");
    }

    private sealed class UnetPredictor(GraphSession unet) : INoisePredictor
    {
        public void Predict(float[] latents, long[] timesteps, float[] contexts, float[] output, int rows) =>
            unet.Run(
                [HostTensor.Float("latent", latents, rows, 4, 16, 16), HostTensor.Int64("timestep", timesteps, rows), HostTensor.Float("context", contexts, rows, 8, 128)],
                [HostTensor.Float("noise", output, rows, 4, 16, 16)]);
    }

    /// <summary>Only used once before the steps: keeps the first 4 of the 3 channels' half-resolution pixels (no graph).</summary>
    private sealed class HalvingAutoencoder : IAutoencoder
    {
        public void Encode(float[] images, float[] latents, int batch)
        {
            for (int i = 0; i < latents.Length; i++)
                latents[i] = images[i % images.Length];
        }

        public void Decode(float[] latents, float[] images, int batch)
        {
            for (int i = 0; i < images.Length; i++)
                images[i] = latents[i % latents.Length];
        }
    }
}
