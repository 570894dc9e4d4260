using ILGPU;
using ILGPU.Runtime;

namespace AnomalyEngine.Diffusion;

/// <summary>The buffers and steps of one batch being sampled by <see cref="GuidedBlendSampler"/>.</summary>
internal sealed class SamplingRun : IDisposable
{
    private readonly GuidedBlendSampler _sampler;
    private readonly DiffusionModel _model;
    private readonly DiffusionKernels _kernels;
    private readonly Accelerator _accelerator;
    private readonly int _batch, _rows;
    private readonly float[] _images, _contexts, _hostInput, _hostOutput;
    private readonly long[] _hostTimesteps;
    private readonly MemoryBuffer1D<uint, Stride1D.Dense> _items;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _reference, _z, _unetInput, _prediction, _latentMask, _pixelMask;
    private readonly StepArgs _args;

    public SamplingRun(GuidedBlendSampler sampler, IReadOnlyList<SampleRequest> requests)
    {
        _sampler = sampler;
        _model = sampler.Model;
        _kernels = sampler.Kernels;
        _accelerator = _kernels.Device.Accelerator;
        var m = _model;
        _batch = requests.Count;
        int n = m.LatentElements, hw = m.LatentSize * m.LatentSize, plane = m.ImageSize * m.ImageSize, img = m.ImageElements, td = m.ContextElements;
        bool guided = sampler.Options.GuidanceScale != 1f;
        _rows = guided ? 2 * _batch : _batch;

        _images = new float[_batch * img];
        _contexts = new float[_rows * td];
        var items = new uint[_batch];
        for (int b = 0; b < _batch; b++)
        {
            var r = requests[b];
            Check(r, b);
            r.Image.CopyTo(_images, b * img);
            r.Conditioning.CopyTo(_contexts, b * td);
            if (guided)
                m.Unconditional.CopyTo(_contexts, (_batch + b) * td);
            items[b] = r.Item;
        }

        var reference = new float[_batch * n];
        if (m.Autoencoder is { } vae)
        {
            vae.Encode(_images, reference, _batch);
            for (int i = 0; i < reference.Length; i++)
                reference[i] *= m.ScaleFactor;
        }
        else
        {
            _images.CopyTo(reference, 0);
        }

        _hostInput = new float[_rows * n];
        _hostOutput = new float[_rows * n];
        _hostTimesteps = new long[_rows];
        _items = _accelerator.Allocate1D(items);
        _reference = _accelerator.Allocate1D(reference);
        _z = _accelerator.Allocate1D<float>(_batch * n);
        _unetInput = _accelerator.Allocate1D<float>(_rows * n);
        _prediction = _accelerator.Allocate1D<float>(_rows * n);
        _latentMask = _accelerator.Allocate1D<float>(_batch * hw);
        _pixelMask = _accelerator.Allocate1D<float>(_batch * plane);
        try
        {
            ResampleMasks(requests);
        }
        catch
        {
            Dispose();
            throw;
        }
        _args = new StepArgs { Seed = sampler.Options.Seed, N = n, Hw = hw, Total = _batch * n, Guidance = sampler.Options.GuidanceScale, UncondOffset = guided ? _batch * n : 0 };
    }

    /// <summary>The starting latent: pure noise at strength 1 (q_sample with A = 0, S = 1), else the reference re-noised to the first timestep.</summary>
    public void Start()
    {
        int first = _sampler.FirstStep;
        var noise = DiffusionKernels.NoiseStep(first, DiffusionKernels.InitialNoise);
        if (first == 0)
        {
            _kernels.QSample(_reference, _z, _items, _args with { A = 0f, S = 1f, NoiseStep = noise });
        }
        else
        {
            int t0 = _sampler.AllTimesteps[first];
            var s = _model.Schedule;
            _kernels.QSample(_reference, _z, _items, _args with { A = (float)s.SignalScale(t0), S = (float)s.NoiseScale(t0), NoiseStep = noise });
        }
    }

    /// <summary>Step <paramref name="i"/> of the full schedule: blend, one predictor call for all rows, guided update.</summary>
    public void Step(int i)
    {
        Blend(i);
        Predict(i);
        Update(i);
    }

    /// <summary>Blending and the copy of the predictor input to the host.</summary>
    public void Blend(int i)
    {
        int t = _sampler.AllTimesteps[i];
        var s = _model.Schedule;
        _kernels.Blend(_z, _reference, _latentMask, _unetInput, _items,
            _args with { A = (float)s.SignalScale(t), S = (float)s.NoiseScale(t), NoiseStep = DiffusionKernels.NoiseStep(i, DiffusionKernels.BlendNoise) });
        _accelerator.Synchronize();
        _unetInput.View.CopyToCPU(_hostInput);
    }

    /// <summary>The predictor call alone (conditional and unconditional rows together).</summary>
    public void Predict(int i)
    {
        Array.Fill(_hostTimesteps, _sampler.AllTimesteps[i]);
        _model.Predictor.Predict(_hostInput, _hostTimesteps, _contexts, _hostOutput, _rows);
    }

    /// <summary>The copy of the prediction to the device and the guided scheduler update.</summary>
    public void Update(int i)
    {
        var all = _sampler.AllTimesteps;
        int t = all[i], previous = i + 1 < all.Length ? all[i + 1] : DiffusionScheduler.Final;
        _prediction.View.CopyFromCPU(_hostOutput);
        var c = _sampler.Scheduler.Coefficients(t, previous);
        _kernels.GuidedStep(_z, _prediction, _items,
            _args with { Cx = (float)c.X, Cm = (float)c.Model, Cz = (float)c.Noise, NoiseStep = DiffusionKernels.NoiseStep(i, DiffusionKernels.StepNoise) });
        _accelerator.Synchronize();
    }

    /// <summary>Decodes the final latents, pastes them back when asked, and checks for NaN.</summary>
    public SampleResult[] Finish()
    {
        var m = _model;
        int n = m.LatentElements, img = m.ImageElements, size = m.ImageSize;
        _accelerator.Synchronize();
        var latents = new float[_batch * n];
        _z.View.CopyToCPU(latents);
        var decoded = new float[_batch * img];
        if (m.Autoencoder is { } decoder)
        {
            var unscaled = new float[latents.Length];
            for (int i = 0; i < unscaled.Length; i++)
                unscaled[i] = latents[i] / m.ScaleFactor;
            decoder.Decode(unscaled, decoded, _batch);
        }
        else
        {
            latents.CopyTo(decoded, 0);
        }

        var output = decoded;
        if (_sampler.Options.PasteBack)
        {
            using var originalBuffer = _accelerator.Allocate1D(_images);
            using var decodedBuffer = _accelerator.Allocate1D(decoded);
            using var outputBuffer = _accelerator.Allocate1D<float>(decoded.Length);
            _kernels.PasteBack(originalBuffer.View, decodedBuffer.View, _pixelMask.View, outputBuffer.View,
                new ImageArgs { InH = size, InW = size, OutH = size, OutW = size, Channels = DiffusionModel.ImageChannels, Feather = _sampler.Options.FeatherPixels, Total = _batch * size * size });
            _accelerator.Synchronize();
            output = new float[decoded.Length];
            outputBuffer.View.CopyToCPU(output);
        }

        foreach (var v in output)
            if (!float.IsFinite(v))
                throw new NumericalException("Sampling produced a NaN or infinity; check the bundle's graphs and the guidance scale.");
        var results = new SampleResult[_batch];
        for (int b = 0; b < _batch; b++)
            results[b] = new SampleResult(output.AsSpan(b * img, img).ToArray(), latents.AsSpan(b * n, n).ToArray());
        return results;
    }

    /// <summary>Every request's mask to both resolutions: nearest resize binarised at 0.5; a null mask is all ones.</summary>
    private void ResampleMasks(IReadOnlyList<SampleRequest> requests)
    {
        var m = _model;
        int h = m.LatentSize, hw = h * h, size = m.ImageSize, plane = size * size;
        for (int b = 0; b < requests.Count; b++)
        {
            var mask = requests[b].Mask;
            int side = mask is null ? h : mask.Length == plane ? size : h;
            using var source = _accelerator.Allocate1D(mask ?? Enumerable.Repeat(1f, hw).ToArray());
            _kernels.ResizeMask(source.View, _latentMask.View.SubView(b * hw, hw), new ImageArgs { InH = side, InW = side, OutH = h, OutW = h, Total = hw });
            _kernels.ResizeMask(source.View, _pixelMask.View.SubView(b * plane, plane), new ImageArgs { InH = side, InW = side, OutH = size, OutW = size, Total = plane });
            _accelerator.Synchronize();
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

    public void Dispose()
    {
        _items.Dispose();
        _reference.Dispose();
        _z.Dispose();
        _unetInput.Dispose();
        _prediction.Dispose();
        _latentMask.Dispose();
        _pixelMask.Dispose();
    }
}
