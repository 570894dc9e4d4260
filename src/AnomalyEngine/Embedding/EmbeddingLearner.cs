using System.Security.Cryptography;
using System.Text;
using AnomalyEngine.Compute;
using AnomalyEngine.Diffusion;
using ILGPU;
using ILGPU.Runtime;

namespace AnomalyEngine.Embedding;

/// <summary>Progress of a learning run, reported after every step.</summary>
public readonly record struct LearnProgress(int Step, int Steps, double Loss);

/// <summary>What a learning run produced.</summary>
public sealed record LearnResult(float[] Vector, IReadOnlyList<double> Losses, GradientMode Gradient, bool UsedCoverageMask, int ResumedFromStep)
{
    /// <summary>The graphs the gradient came from: "unet_loss_grad", "unet+unet_grad" or "unet" (gradient-free).</summary>
    public string Graphs { get; init; } = "";
}

/// <summary>
/// AnoGen stage 1: learns the placeholder token's vector from a support set with the frozen
/// diffusion model. Per step: B rows (support image, flip, t ~ U{0..T−1}, eps ~ N(0, I)), all keyed
/// by (seed, step, row) so a resumed run is bit-identical to an uninterrupted one;
/// loss = mean over B·C·h·w of M (eps − eps_θ(z_t, t, c(v)))², M the dilated latent mask.
/// Exact gradients come from the fused <c>unet_loss_grad</c> graph when the bundle has it (one
/// engine call per step), else from <c>unet</c> then <c>unet_grad</c> (two calls).
/// </summary>
internal sealed class EmbeddingLearner
{
    private const uint RowStream = 0x4C524E00u;
    private readonly DiffusionModel _model;
    private readonly ComputeDevice _device;
    private readonly LearnOptions _options;
    private readonly float[] _template;
    private readonly int _slot;
    private readonly float[] _initial;
    private readonly IConditioningGradient? _gradient;
    private readonly IConditioningLossGradient? _lossGradient;
    private readonly IReadOnlyList<float[]>? _vocabulary;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LearnStepArgs> _qSample;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float, ArrayView<float>, ArrayView<float>> _loss;
    private readonly Action<KernelConfig, ArrayView<float>, int, int, int, int, ArrayView<float>> _gather;

    public EmbeddingLearner(DiffusionModel model, float[] template, int placeholderSlot, float[] initialEmbedding,
        IConditioningGradient? gradient, IReadOnlyList<float[]>? vocabulary, ComputeDevice device, LearnOptions options,
        IConditioningLossGradient? lossGradient = null)
    {
        options.Validate();
        if (template.Length != model.ContextElements)
            throw new ModelException($"The conditioning template has {template.Length} values; the model expects {model.Tokens}x{model.Width}.");
        if (initialEmbedding.Length != model.Width)
            throw new ModelException($"The initial embedding has {initialEmbedding.Length} values; the conditioning width is {model.Width}.");
        if (placeholderSlot < 0 || placeholderSlot >= model.Tokens)
            throw new ModelException($"The placeholder slot {placeholderSlot} lies outside the {model.Tokens} conditioning tokens.");
        if (options.Gradient == GradientMode.Exact && gradient is null && lossGradient is null)
            throw new InvalidOptionException("Exact gradients need the bundle's unet_loss_grad or unet_grad graph, which this bundle (or engine) lacks; use --gradient gradient-free.");
        _model = model;
        _template = template;
        _slot = placeholderSlot;
        _initial = initialEmbedding;
        _gradient = options.Gradient == GradientMode.GradientFree ? null : gradient;
        _lossGradient = options.Gradient == GradientMode.GradientFree ? null : lossGradient;
        _vocabulary = vocabulary;
        _device = device;
        _options = options;
        var a = device.Accelerator;
        _qSample = a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LearnStepArgs>(LearnKernels.QSampleRows);
        _loss = a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float, ArrayView<float>, ArrayView<float>>(EmbeddingKernels.MaskedLoss);
        _gather = a.LoadStreamKernel<ArrayView<float>, int, int, int, int, ArrayView<float>>(EmbeddingKernels.GatherSlot);
    }

    /// <summary>Run the ILGPU kernels on ILGPU's CPU accelerator too, instead of their plain-loop twins (for tests).</summary>
    internal bool KernelsOnCpu { get; init; }

    /// <summary>The gradient mode this learner runs with.</summary>
    public GradientMode Mode => _gradient is null && _lossGradient is null ? GradientMode.GradientFree : GradientMode.Exact;

    /// <summary>Whether exact gradients come from the fused loss-and-gradient graph (one engine call per step).</summary>
    public bool UsesFusedGraph => _lossGradient is not null;

    /// <summary>
    /// Runs (or resumes, when <paramref name="checkpointPath"/> holds a checkpoint of the same run)
    /// until <see cref="LearnOptions.Steps"/> or cancellation; cancellation stops between steps and
    /// leaves a checkpoint behind.
    /// </summary>
    public LearnResult Learn(SupportSet support, string? checkpointPath, IProgress<LearnProgress>? progress = null, CancellationToken cancel = default)
    {
        if (support.ImageSize != _model.ImageSize)
            throw new InvalidInputException($"The support set is {support.ImageSize}px; the bundle works at {_model.ImageSize}px.");
        var (latents, masks, usedCoverage) = Prepare(support);
        string fingerprint = Fingerprint(support);
        var checkpoint = checkpointPath is null ? null : LearnCheckpoint.TryLoad(checkpointPath, fingerprint);

        var acc = _device.Accelerator;
        bool onHost = !_device.IsCuda && !KernelsOnCpu;
        var hostVector = checkpoint?.Vector ?? (float[])_initial.Clone();
        using var vector = acc.Allocate1D(hostVector);
        using var grad = acc.Allocate1D<float>(_model.Width);
        using var adam = new AdamW(_device, _options.Optimizer, _model.Width, onHost);
        var losses = new List<double>(checkpoint?.Losses ?? []);
        int start = checkpoint?.Step ?? 0;
        if (checkpoint is not null) adam.ImportState(checkpoint.FirstMoment, checkpoint.SecondMoment, checkpoint.Step);

        using var workspace = new StepWorkspace(this, latents, masks, support.Examples.Count);
        for (int step = start; step < _options.Steps; step++)
        {
            cancel.ThrowIfCancellationRequested();
            var (loss, gradient) = workspace.LossAndGradient(step, onHost ? hostVector : vector.GetAsArray1D());
            if (onHost)
            {
                adam.Step(hostVector, gradient);
            }
            else
            {
                grad.CopyFromCPU(gradient);
                adam.Step(vector.View, grad.View);
            }
            losses.Add(loss);
            progress?.Report(new LearnProgress(step + 1, _options.Steps, loss));

            bool last = step + 1 == _options.Steps;
            bool due = _options.CheckpointEvery > 0 && (step + 1) % _options.CheckpointEvery == 0;
            if (checkpointPath is not null && (due || last || cancel.IsCancellationRequested))
                SaveCheckpoint(checkpointPath, fingerprint, step + 1, onHost ? hostVector : vector.GetAsArray1D(), adam, losses);
        }
        var result = onHost ? hostVector : vector.GetAsArray1D();
        if (result.Any(x => !float.IsFinite(x)))
            throw new NumericalException("The learned vector holds NaN or infinite values: lower the learning rate.");
        return new LearnResult(result, losses, Mode, usedCoverage, start)
        {
            Graphs = UsesFusedGraph ? "unet_loss_grad" : Mode == GradientMode.Exact ? "unet+unet_grad" : "unet",
        };
    }

    /// <summary>One step's loss and gradient at <paramref name="v"/> without updating anything (for checks).</summary>
    internal (double Loss, float[] Gradient) LossAndGradient(SupportSet support, int step, float[] v)
    {
        var (latents, masks, _) = Prepare(support);
        using var workspace = new StepWorkspace(this, latents, masks, support.Examples.Count);
        return workspace.LossAndGradient(step, v);
    }

    /// <summary>The conditioning [T, D] of a vector: the template with the placeholder row replaced.</summary>
    internal float[] Conditioning(ReadOnlySpan<float> v)
    {
        var c = (float[])_template.Clone();
        v.CopyTo(c.AsSpan(_slot * _model.Width, _model.Width));
        return c;
    }

    private static void SaveCheckpoint(string path, string fingerprint, int step, float[] vector, AdamW adam, List<double> losses)
    {
        var (first, second) = adam.ExportState();
        new LearnCheckpoint { Fingerprint = fingerprint, Step = step, Vector = (float[])vector.Clone(), FirstMoment = first, SecondMoment = second, Losses = losses.ToArray() }.Save(path);
    }

    // Latents (scaled) and latent masks for every support image and its mirror: index 2k (+1 mirrored).
    private (float[][] Latents, float[][] Masks, bool UsedCoverage) Prepare(SupportSet support)
    {
        int size = _model.ImageSize, count = support.Examples.Count;
        var images = new float[2 * count * 3 * size * size];
        var masks = new float[2 * count][];
        var pixelMasks = new float[2 * count][];
        bool usedCoverage = false;
        for (int k = 0; k < count; k++)
        {
            var ex = support.Examples[k];
            var mirrored = SupportSet.MirrorX(ex.Image, 3, size);
            ex.Image.CopyTo(images, (2 * k) * 3 * size * size);
            mirrored.CopyTo(images, (2 * k + 1) * 3 * size * size);
            pixelMasks[2 * k] = ex.Mask;
            pixelMasks[2 * k + 1] = SupportSet.MirrorX(ex.Mask, 1, size);
        }
        var bilinear = BilinearLatentMasks(pixelMasks, size);
        for (int i = 0; i < 2 * count; i++)
        {
            masks[i] = LatentMask.OrCoverage(bilinear[i], pixelMasks[i], size, size, _model.LatentSize, _model.LatentSize, out bool coverage);
            usedCoverage |= coverage;
        }
        var latents = new float[2 * count][];
        int n = _model.LatentElements;
        if (_model.Autoencoder is null)
        {
            for (int i = 0; i < 2 * count; i++) latents[i] = images.AsSpan(i * n, n).ToArray();
        }
        else
        {
            var encoded = new float[2 * count * n];
            _model.Autoencoder.Encode(images, encoded, 2 * count);
            for (int i = 0; i < 2 * count; i++)
                latents[i] = encoded.AsSpan(i * n, n).ToArray().Select(x => x * _model.ScaleFactor).ToArray();
        }
        if (latents.Any(l => l.Any(x => !float.IsFinite(x))))
            throw new NumericalException("The autoencoder returned NaN or infinite latents for the support images.");
        return (latents, masks, usedCoverage);
    }

    // AnoGen's latent masks of every support variant: one kernel launch on CUDA, plain loops on the CPU.
    private float[][] BilinearLatentMasks(float[][] pixelMasks, int size)
    {
        int h = _model.LatentSize, cells = h * h;
        if (!_device.IsCuda && !KernelsOnCpu)
            return pixelMasks.Select(m => LatentMask.FromPixelMask(m, size, size, h, h)).ToArray();
        var acc = _device.Accelerator;
        using var input = acc.Allocate1D(pixelMasks.SelectMany(m => m).ToArray());
        using var output = acc.Allocate1D<float>(pixelMasks.Length * cells);
        var kernel = acc.LoadStreamKernel<ArrayView<float>, int, int, int, int, ArrayView<float>>(EmbeddingKernels.BilinearLatentMask);
        kernel(_device.GridStride(pixelMasks.Length * cells), input.View, size, size, h, h, output.View);
        var all = output.GetAsArray1D();
        return Enumerable.Range(0, pixelMasks.Length).Select(i => all.AsSpan(i * cells, cells).ToArray()).ToArray();
    }

    private string Fingerprint(SupportSet support)
    {
        var text = new StringBuilder();
        text.Append(_options with { CheckpointEvery = 0, Steps = 0 }).Append('|').Append(Mode).Append('|').Append(_slot);
        foreach (var e in support.Examples) text.Append('|').Append(e.Source.ImageSha256).Append(e.Source.MaskSha256);
        text.Append('|').Append(Convert.ToHexString(SHA256.HashData(MemoryMarshalBytes(_initial))));
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static byte[] MemoryMarshalBytes(float[] values) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    private static double SumInOrder(float[] values)
    {
        double sum = 0;
        foreach (var v in values) sum += v;
        return sum;
    }

    private static float Rms(float[] v) => MathF.Sqrt(v.Sum(x => x * x) / Math.Max(1, v.Length)) is var r && r > 0 ? r : 1f;

    /// <summary>The device and host buffers of one step, reused across steps.</summary>
    private sealed class StepWorkspace : IDisposable
    {
        private readonly EmbeddingLearner _l;
        private readonly float[][] _latents, _masks;
        private readonly int _count, _n, _cells, _rows, _evaluations;
        private readonly GradientFreeEstimator? _estimator;
        private readonly DeviceBuffers? _buffers; // only where the kernels run (CUDA, or KernelsOnCpu in tests)
        private readonly float[] _hostZ0, _hostMask, _a, _s, _hostZt, _hostTarget, _hostGradOut, _contexts, _bigLatents, _bigContexts, _bigPrediction, _hostSquared, _hostGradContext, _hostWeight, _rowLosses;
        private readonly long[] _timesteps, _bigTimesteps;

        public StepWorkspace(EmbeddingLearner learner, float[][] latents, float[][] masks, int count)
        {
            _l = learner;
            _latents = latents;
            _masks = masks;
            _count = count;
            var m = learner._model;
            _n = m.LatentElements;
            _cells = m.LatentSize * m.LatentSize;
            _rows = learner._options.BatchSize;
            _estimator = learner.Mode == GradientMode.GradientFree
                ? new GradientFreeEstimator(m.Width, learner._options.Directions, learner._options.Sigma * Rms(learner._initial), learner._options.VocabularySubspace ? learner._vocabulary : null)
                : null;
            _evaluations = _estimator is null ? 1 : 2 * _estimator.Directions;
            if (learner._device.IsCuda || learner.KernelsOnCpu)
                _buffers = new DeviceBuffers(learner._device.Accelerator, _rows, _n, _cells, m.ContextElements, m.Width);
            _hostZ0 = new float[_rows * _n];
            _hostMask = new float[_rows * _cells];
            _timesteps = new long[_rows];
            _a = new float[_rows];
            _s = new float[_rows];
            _hostZt = new float[_rows * _n];
            _hostTarget = new float[_rows * _n];
            _hostGradOut = new float[_rows * _n];
            _contexts = new float[_rows * m.ContextElements];
            _bigLatents = new float[_evaluations * _rows * _n];
            _bigTimesteps = new long[_evaluations * _rows];
            _bigContexts = new float[_evaluations * _rows * m.ContextElements];
            _bigPrediction = new float[_evaluations * _rows * _n];
            _hostSquared = new float[_rows * _n];
            _hostGradContext = new float[_rows * m.ContextElements];
            _hostWeight = new float[_rows * _n];
            _rowLosses = new float[_rows];
        }

        public (double Loss, float[] Gradient) LossAndGradient(int step, float[] v)
        {
            var m = _l._model;
            var o = _l._options;
            for (int r = 0; r < _rows; r++)
            {
                int pick = (int)Math.Min(_count - 1, Philox.Uniform(o.Seed, RowStream, (uint)step, (uint)(3 * r)) * _count);
                bool flip = o.Flip && Philox.Uniform(o.Seed, RowStream, (uint)step, (uint)(3 * r + 1)) <= 0.5f;
                int t = (int)Math.Min(m.Schedule.TrainSteps - 1, Philox.Uniform(o.Seed, RowStream, (uint)step, (uint)(3 * r + 2)) * m.Schedule.TrainSteps);
                int variant = 2 * pick + (flip ? 1 : 0);
                Array.Copy(_latents[variant], 0, _hostZ0, r * _n, _n);
                Array.Copy(_masks[variant], 0, _hostMask, r * _cells, _cells);
                _timesteps[r] = t;
                _a[r] = (float)m.Schedule.SignalScale(t);
                _s[r] = (float)m.Schedule.NoiseScale(t);
            }
            bool kernels = _l._device.IsCuda || _l.KernelsOnCpu;
            var args = new LearnStepArgs { Seed = o.Seed, Step = (uint)step, RowElements = _n, VPrediction = m.Prediction == PredictionType.VPrediction ? 1 : 0 };
            if (kernels)
            {
                Buffers.Z0.CopyFromCPU(_hostZ0);
                Buffers.Mask.CopyFromCPU(_hostMask);
                Buffers.CoefA.CopyFromCPU(_a);
                Buffers.CoefS.CopyFromCPU(_s);
                _l._qSample(_l._device.GridStride(_rows * _n), Buffers.Z0.View, Buffers.CoefA.View, Buffers.CoefS.View, Buffers.Zt.View, Buffers.Target.View, args);
                Buffers.Zt.CopyToCPU(_hostZt);
            }
            else
            {
                // ILGPU's CPU accelerator costs milliseconds per launch at these sizes: the same
                // element formulas as the kernels, as plain loops (tested byte-equal).
                for (int i = 0; i < _rows * _n; i++)
                {
                    int row = i / _n;
                    float eps = Philox.Normal(args.Seed, (uint)row, args.Step, (uint)(i - row * _n));
                    float x0 = _hostZ0[i];
                    _hostZt[i] = _a[row] * x0 + _s[row] * eps;
                    _hostTarget[i] = args.VPrediction != 0 ? _a[row] * eps - _s[row] * x0 : eps;
                }
            }

            float inverseCount = 1f / (_rows * _n);
            if (_l._lossGradient is not null)
                return FusedLossAndGradient(step, v, kernels, inverseCount);

            // Every candidate vector scores the same rows (common random numbers), all in one engine call.
            var directions = _estimator?.DrawDirections(o.Seed, (uint)step);
            var candidates = _estimator is null ? [v] : _estimator.Candidates(v, directions!);
            for (int e = 0; e < _evaluations; e++)
            {
                Array.Copy(_hostZt, 0, _bigLatents, e * _rows * _n, _rows * _n);
                Array.Copy(_timesteps, 0, _bigTimesteps, e * _rows, _rows);
                var context = _l.Conditioning(candidates[e]);
                for (int r = 0; r < _rows; r++)
                    Array.Copy(context, 0, _bigContexts, (e * _rows + r) * context.Length, context.Length);
            }
            m.Predictor.Predict(_bigLatents, _bigTimesteps, _bigContexts, _bigPrediction, _evaluations * _rows);

            var evaluationLosses = new double[_evaluations];
            for (int e = 0; e < _evaluations; e++)
            {
                if (kernels)
                {
                    Buffers.Prediction.View.AsContiguous().CopyFromCPU(new ReadOnlySpan<float>(_bigPrediction, e * _rows * _n, _rows * _n));
                    _l._loss(_l._device.GridStride(_rows * _n), Buffers.Prediction.View, Buffers.Target.View, Buffers.Mask.View, m.LatentChannels, _cells, inverseCount, Buffers.GradOut.View, Buffers.Squared.View);
                    Buffers.Squared.CopyToCPU(_hostSquared);
                }
                else
                {
                    int offset = e * _rows * _n, plane = m.LatentChannels * _cells;
                    for (int i = 0; i < _rows * _n; i++)
                    {
                        int item = i / plane;
                        float mask = _hostMask[item * _cells + i % _cells];
                        float diff = _bigPrediction[offset + i] - _hostTarget[i];
                        _hostGradOut[i] = 2f * mask * diff * inverseCount;
                        _hostSquared[i] = mask * diff * diff;
                    }
                }
                evaluationLosses[e] = SumInOrder(_hostSquared) / (_rows * (double)_n);
            }
            double loss = _estimator is null ? evaluationLosses[0] : evaluationLosses.Average();
            if (!double.IsFinite(loss))
                throw new NumericalException($"The loss became {loss} at step {step + 1}: lower the learning rate, or check the bundle with `anomaly-engine info --bundle <dir>`.");
            if (_estimator is not null)
                return (loss, _estimator.Estimate(directions!, evaluationLosses));

            if (kernels) Buffers.GradOut.CopyToCPU(_hostGradOut);
            Array.Copy(_bigContexts, _contexts, _contexts.Length);
            _l._gradient!.Backward(_hostZt, _timesteps, _contexts, _hostGradOut, _hostGradContext, _rows);
            return (loss, GatherSlot(kernels));
        }

        // One engine call: the graph takes the weight M / (B·C·h·w) and returns each row's share of
        // the loss and the gradient of their sum, which is the gradient the two-call path computes.
        private (double Loss, float[] Gradient) FusedLossAndGradient(int step, float[] v, bool kernels, float inverseCount)
        {
            var m = _l._model;
            if (kernels) Buffers.Target.CopyToCPU(_hostTarget);
            int plane = m.LatentChannels * _cells;
            for (int i = 0; i < _rows * _n; i++)
                _hostWeight[i] = _hostMask[i / plane * _cells + i % _cells] * inverseCount;
            var context = _l.Conditioning(v);
            for (int r = 0; r < _rows; r++)
                Array.Copy(context, 0, _contexts, r * context.Length, context.Length);
            _l._lossGradient!.LossAndBackward(_hostZt, _timesteps, _contexts, _hostTarget, _hostWeight, _rowLosses, _hostGradContext, _rows);
            double loss = 0;
            foreach (var l in _rowLosses) loss += l;
            if (!double.IsFinite(loss))
                throw new NumericalException($"The loss became {loss} at step {step + 1}: lower the learning rate, or check the bundle with `anomaly-engine info --bundle <dir>`.");
            return (loss, GatherSlot(kernels));
        }

        // Σ over rows of the placeholder row of the context gradient.
        private float[] GatherSlot(bool kernels)
        {
            var m = _l._model;
            if (kernels)
            {
                Buffers.GradContext.CopyFromCPU(_hostGradContext);
                _l._gather(_l._device.GridStride(m.Width), Buffers.GradContext.View, _rows, m.Tokens, m.Width, _l._slot, Buffers.Gathered.View);
                return Buffers.Gathered.GetAsArray1D();
            }
            var gathered = new float[m.Width];
            for (int d = 0; d < m.Width; d++)
            {
                float sum = 0;
                for (int b = 0; b < _rows; b++)
                    sum += _hostGradContext[(b * m.Tokens + _l._slot) * m.Width + d];
                gathered[d] = sum;
            }
            return gathered;
        }

        public void Dispose()
        {
            _buffers?.Dispose();
        }

        private DeviceBuffers Buffers => _buffers ?? throw new InvalidOperationException("The step's device buffers exist only where the kernels run.");
    }

    /// <summary>One step's device buffers, for the kernel path.</summary>
    private sealed class DeviceBuffers : IDisposable
    {
        public DeviceBuffers(Accelerator acc, int rows, int n, int cells, int contextElements, int width)
        {
            Z0 = acc.Allocate1D<float>(rows * n);
            CoefA = acc.Allocate1D<float>(rows);
            CoefS = acc.Allocate1D<float>(rows);
            Zt = acc.Allocate1D<float>(rows * n);
            Target = acc.Allocate1D<float>(rows * n);
            Mask = acc.Allocate1D<float>(rows * cells);
            Prediction = acc.Allocate1D<float>(rows * n);
            GradOut = acc.Allocate1D<float>(rows * n);
            Squared = acc.Allocate1D<float>(rows * n);
            GradContext = acc.Allocate1D<float>(rows * contextElements);
            Gathered = acc.Allocate1D<float>(width);
        }

        public MemoryBuffer1D<float, Stride1D.Dense> Z0 { get; }
        public MemoryBuffer1D<float, Stride1D.Dense> CoefA { get; }
        public MemoryBuffer1D<float, Stride1D.Dense> CoefS { get; }
        public MemoryBuffer1D<float, Stride1D.Dense> Zt { get; }
        public MemoryBuffer1D<float, Stride1D.Dense> Target { get; }
        public MemoryBuffer1D<float, Stride1D.Dense> Mask { get; }
        public MemoryBuffer1D<float, Stride1D.Dense> Prediction { get; }
        public MemoryBuffer1D<float, Stride1D.Dense> GradOut { get; }
        public MemoryBuffer1D<float, Stride1D.Dense> Squared { get; }
        public MemoryBuffer1D<float, Stride1D.Dense> GradContext { get; }
        public MemoryBuffer1D<float, Stride1D.Dense> Gathered { get; }

        public void Dispose()
        {
            foreach (var b in new[] { Z0, CoefA, CoefS, Zt, Target, Mask, Prediction, GradOut, Squared, GradContext, Gathered }) b.Dispose();
        }
    }
}
