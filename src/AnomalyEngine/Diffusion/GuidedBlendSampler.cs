using AnomalyEngine.Compute;
using ILGPU;
using ILGPU.Runtime;

namespace AnomalyEngine.Diffusion;

/// <summary>
/// AnoGen stage 2: guided sampling of a batch of latents, blended at every step with the reference
/// re-noised to the current timestep outside the mask, then decoded and (optionally) pasted back.
/// </summary>
public sealed class GuidedBlendSampler
{
    private readonly DiffusionModel _model;
    private readonly DiffusionKernels _kernels;
    private readonly SamplerOptions _options;
    private readonly DiffusionScheduler _scheduler;
    private readonly int[] _timesteps;

    internal GuidedBlendSampler(DiffusionModel model, ComputeDevice device, SamplerOptions options)
    {
        options.Validate(model.Schedule.TrainSteps);
        _model = model;
        _options = options;
        _kernels = new DiffusionKernels(device);
        _scheduler = options.Scheduler == SchedulerKind.Ddim
            ? new DdimScheduler(model.Schedule, model.Prediction, options.Eta)
            : new DdpmScheduler(model.Schedule, model.Prediction);
        _timesteps = Diffusion.Timesteps.Leading(model.Schedule.TrainSteps, options.Steps, options.TimestepOffset);
    }

    /// <summary>The settings this sampler runs with.</summary>
    public SamplerOptions Options => _options;

    /// <summary>The timesteps visited, noisiest first (after strength cuts the schedule).</summary>
    public ReadOnlySpan<int> Timesteps => _timesteps.AsSpan(FirstStep);

    /// <summary>Index into the full schedule of the first step run: steps - floor(steps * strength) (diffusers img2img).</summary>
    internal int FirstStep => _options.Steps - Math.Min((int)(_options.Steps * _options.Strength), _options.Steps);

    /// <summary>Generates one image per request, all in one batch; results come in request order.</summary>
    public IReadOnlyList<SampleResult> Sample(IReadOnlyList<SampleRequest> requests)
    {
        var m = _model;
        int batch = requests.Count;
        if (batch == 0)
            return [];
        int n = m.LatentElements, hw = m.LatentSize * m.LatentSize, size = m.ImageSize, plane = size * size, img = m.ImageElements, td = m.ContextElements;
        bool guided = _options.GuidanceScale != 1f;
        int rows = guided ? 2 * batch : batch;

        var images = new float[batch * img];
        var contexts = new float[rows * td];
        var items = new uint[batch];
        for (int b = 0; b < batch; b++)
        {
            var r = requests[b];
            Check(r, b);
            r.Image.CopyTo(images, b * img);
            r.Conditioning.CopyTo(contexts, b * td);
            if (guided)
                m.Unconditional.CopyTo(contexts, (batch + b) * td);
            items[b] = r.Item;
        }

        var reference = new float[batch * n];
        if (m.Autoencoder is { } vae)
        {
            vae.Encode(images, reference, batch);
            for (int i = 0; i < reference.Length; i++)
                reference[i] *= m.ScaleFactor;
        }
        else
        {
            images.CopyTo(reference, 0);
        }

        var accelerator = _kernels.Device.Accelerator;
        using var itemsBuffer = accelerator.Allocate1D(items);
        using var referenceBuffer = accelerator.Allocate1D(reference);
        using var z = accelerator.Allocate1D<float>(batch * n);
        using var unetInput = accelerator.Allocate1D<float>(rows * n);
        using var prediction = accelerator.Allocate1D<float>(rows * n);
        using var latentMask = accelerator.Allocate1D<float>(batch * hw);
        using var pixelMask = accelerator.Allocate1D<float>(batch * plane);
        ResampleMasks(requests, latentMask.View, pixelMask.View);

        var args = new StepArgs { Seed = _options.Seed, N = n, Hw = hw, Total = batch * n, Guidance = _options.GuidanceScale, UncondOffset = guided ? batch * n : 0 };
        int first = FirstStep, steps = _options.Steps;
        var schedule = m.Schedule;
        if (first == 0)
        {
            // Strength 1: pure noise, q_sample with A = 0, S = 1.
            _kernels.QSample(referenceBuffer.View, z.View, itemsBuffer.View, args with { A = 0f, S = 1f, NoiseStep = DiffusionKernels.NoiseStep(first, DiffusionKernels.InitialNoise) });
        }
        else
        {
            int t0 = _timesteps[first];
            _kernels.QSample(referenceBuffer.View, z.View, itemsBuffer.View, args with { A = (float)schedule.SignalScale(t0), S = (float)schedule.NoiseScale(t0), NoiseStep = DiffusionKernels.NoiseStep(first, DiffusionKernels.InitialNoise) });
        }

        var hostInput = new float[rows * n];
        var hostOutput = new float[rows * n];
        var hostTimesteps = new long[rows];
        for (int i = first; i < steps; i++)
        {
            int t = _timesteps[i];
            int previous = i + 1 < steps ? _timesteps[i + 1] : DiffusionScheduler.Final;
            _kernels.Blend(z.View, referenceBuffer.View, latentMask.View, unetInput.View, itemsBuffer.View,
                args with { A = (float)schedule.SignalScale(t), S = (float)schedule.NoiseScale(t), NoiseStep = DiffusionKernels.NoiseStep(i, DiffusionKernels.BlendNoise) });
            accelerator.Synchronize();
            unetInput.View.CopyToCPU(hostInput);
            Array.Fill(hostTimesteps, t);
            m.Predictor.Predict(hostInput, hostTimesteps, contexts, hostOutput, rows);
            prediction.View.CopyFromCPU(hostOutput);
            var c = _scheduler.Coefficients(t, previous);
            _kernels.GuidedStep(z.View, prediction.View, itemsBuffer.View,
                args with { Cx = (float)c.X, Cm = (float)c.Model, Cz = (float)c.Noise, NoiseStep = DiffusionKernels.NoiseStep(i, DiffusionKernels.StepNoise) });
        }

        accelerator.Synchronize();
        var latents = new float[batch * n];
        z.View.CopyToCPU(latents);
        var decoded = new float[batch * img];
        if (m.Autoencoder is { } decoder)
        {
            var unscaled = new float[latents.Length];
            for (int i = 0; i < unscaled.Length; i++)
                unscaled[i] = latents[i] / m.ScaleFactor;
            decoder.Decode(unscaled, decoded, batch);
        }
        else
        {
            latents.CopyTo(decoded, 0);
        }

        var output = decoded;
        if (_options.PasteBack)
        {
            using var originalBuffer = accelerator.Allocate1D(images);
            using var decodedBuffer = accelerator.Allocate1D(decoded);
            using var outputBuffer = accelerator.Allocate1D<float>(decoded.Length);
            _kernels.PasteBack(originalBuffer.View, decodedBuffer.View, pixelMask.View, outputBuffer.View,
                new ImageArgs { InH = size, InW = size, OutH = size, OutW = size, Channels = DiffusionModel.ImageChannels, Feather = _options.FeatherPixels, Total = batch * plane });
            accelerator.Synchronize();
            output = new float[decoded.Length];
            outputBuffer.View.CopyToCPU(output);
        }

        foreach (var v in output)
            if (!float.IsFinite(v))
                throw new NumericalException("Sampling produced a NaN or infinity; check the bundle's graphs and the guidance scale.");
        var results = new SampleResult[batch];
        for (int b = 0; b < batch; b++)
            results[b] = new SampleResult(output.AsSpan(b * img, img).ToArray(), latents.AsSpan(b * n, n).ToArray());
        return results;
    }

    /// <summary>Every request's mask to both resolutions: nearest resize binarised at 0.5; a null mask is all ones.</summary>
    private void ResampleMasks(IReadOnlyList<SampleRequest> requests, ArrayView<float> latentMask, ArrayView<float> pixelMask)
    {
        var m = _model;
        int h = m.LatentSize, hw = h * h, size = m.ImageSize, plane = size * size;
        var accelerator = _kernels.Device.Accelerator;
        for (int b = 0; b < requests.Count; b++)
        {
            var mask = requests[b].Mask;
            int side = mask is null ? h : mask.Length == plane ? size : h;
            using var source = accelerator.Allocate1D(mask ?? Enumerable.Repeat(1f, hw).ToArray());
            _kernels.ResizeMask(source.View, latentMask.SubView(b * hw, hw), new ImageArgs { InH = side, InW = side, OutH = h, OutW = h, Total = hw });
            _kernels.ResizeMask(source.View, pixelMask.SubView(b * plane, plane), new ImageArgs { InH = side, InW = side, OutH = size, OutW = size, Total = plane });
            accelerator.Synchronize();
        }
    }

    private void Check(SampleRequest r, int index)
    {
        var m = _model;
        if (r.Image is null || r.Image.Length != m.ImageElements)
            throw new InvalidInputException($"Request {index}: the image must be 3 x {m.ImageSize} x {m.ImageSize} floats in [-1, 1] ({m.ImageElements} values), got {r.Image?.Length ?? 0}.");
        if (r.Mask is { } mask && mask.Length != m.ImageSize * m.ImageSize && mask.Length != m.LatentSize * m.LatentSize)
            throw new InvalidInputException($"Request {index}: the mask must be {m.ImageSize} x {m.ImageSize} (pixels) or {m.LatentSize} x {m.LatentSize} (latent), got {mask.Length} values.");
        if (r.Conditioning is null || r.Conditioning.Length != m.ContextElements)
            throw new InvalidInputException($"Request {index}: the conditioning must be {m.Tokens} x {m.Width} floats, got {r.Conditioning?.Length ?? 0}.");
        foreach (var v in r.Image)
            if (!float.IsFinite(v))
                throw new InvalidInputException($"Request {index}: the image holds a NaN or infinity.");
    }
}
