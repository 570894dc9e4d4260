using AnomalyEngine.Compute;

namespace AnomalyEngine.Diffusion;

/// <summary>
/// AnoGen stage 2: guided sampling of a batch of latents, blended at every step with the reference
/// re-noised to the current timestep outside the mask, then decoded and (optionally) pasted back.
/// </summary>
public sealed class GuidedBlendSampler
{
    private readonly int[] _timesteps;

    /// <summary>A sampler over a bundle's opened graphs (<see cref="BundleGraphs.Open"/>); the graphs must outlive it.</summary>
    public GuidedBlendSampler(BundleGraphs graphs, ComputeDevice device, SamplerOptions? options = null)
        : this(graphs.Model(), device, options ?? new SamplerOptions()) { }

    internal GuidedBlendSampler(DiffusionModel model, ComputeDevice device, SamplerOptions options, bool? hostLoops = null)
    {
        options.Validate(model.Schedule.TrainSteps);
        Model = model;
        Options = options;
        Kernels = new DiffusionKernels(device, hostLoops);
        Scheduler = options.Scheduler == SchedulerKind.Ddim
            ? new DdimScheduler(model.Schedule, model.Prediction, options.Eta)
            : new DdpmScheduler(model.Schedule, model.Prediction);
        _timesteps = Diffusion.Timesteps.Leading(model.Schedule.TrainSteps, options.Steps, options.TimestepOffset);
    }

    /// <summary>The settings this sampler runs with.</summary>
    public SamplerOptions Options { get; }

    /// <summary>The step rule (DDIM or DDPM) over the model's schedule.</summary>
    public DiffusionScheduler Scheduler { get; }

    /// <summary>The timesteps visited, noisiest first (after strength cuts the schedule).</summary>
    public ReadOnlySpan<int> Timesteps => _timesteps.AsSpan(FirstStep);

    internal DiffusionModel Model { get; }

    internal DiffusionKernels Kernels { get; }

    /// <summary>The full schedule's timesteps (strength ignored).</summary>
    internal int[] AllTimesteps => _timesteps;

    /// <summary>Index into the full schedule of the first step run: steps - floor(steps * strength) (diffusers img2img).</summary>
    internal int FirstStep => Options.Steps - Math.Min((int)(Options.Steps * Options.Strength), Options.Steps);

    /// <summary>Generates one image per request, all in one batch; results come in request order.</summary>
    public IReadOnlyList<SampleResult> Sample(IReadOnlyList<SampleRequest> requests)
    {
        if (requests.Count == 0)
            return [];
        using var run = new SamplingRun(this, requests);
        run.Start();
        for (int i = FirstStep; i < Options.Steps; i++)
            run.Step(i);
        return run.Finish();
    }
}
