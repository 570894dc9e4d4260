using AnomalyEngine.Compute;
using ILGPU;
using ILGPU.Runtime;

namespace AnomalyEngine.Embedding;

/// <summary>
/// AdamW over one parameter vector and its moments, kept on the device (a kernel per step) or, where
/// kernel launches cost more than the work (ILGPU's CPU accelerator), on the host with the same
/// element formula; its state can be saved and restored exactly.
/// </summary>
internal sealed class AdamW : IDisposable
{
    private readonly ComputeDevice _device;
    private readonly AdamWOptions _options;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _first, _second;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamWScalars> _step;

    private readonly float[]? _hostFirst, _hostSecond;

    public AdamW(ComputeDevice device, AdamWOptions options, int length, bool onHost = false)
    {
        options.Validate();
        _device = device;
        _options = options;
        if (onHost)
        {
            _hostFirst = new float[length];
            _hostSecond = new float[length];
        }
        _first = device.Accelerator.Allocate1D<float>(length);
        _second = device.Accelerator.Allocate1D<float>(length);
        _first.MemSetToZero();
        _second.MemSetToZero();
        _step = device.Accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamWScalars>(EmbeddingKernels.AdamWStep);
    }

    /// <summary>Steps taken so far (the t of the bias corrections).</summary>
    public long Steps { get; private set; }

    /// <summary>Applies one update to <paramref name="parameters"/> with <paramref name="gradient"/>.</summary>
    public void Step(ArrayView<float> parameters, ArrayView<float> gradient)
    {
        Steps++;
        _step(_device.GridStride(parameters.Length), parameters, gradient, _first.View, _second.View, new AdamWScalars(_options, Steps));
    }

    /// <summary>Applies one update to host <paramref name="parameters"/>; only for an optimiser made with onHost.</summary>
    public void Step(float[] parameters, float[] gradient)
    {
        var first = _hostFirst ?? throw new InvalidOperationException("This AdamW keeps its moments on the device.");
        var second = _hostSecond!;
        Steps++;
        var s = new AdamWScalars(_options, Steps);
        for (int i = 0; i < parameters.Length; i++)
        {
            // The element formula of EmbeddingKernels.AdamWStep, operation for operation.
            float g = gradient[i];
            float p = parameters[i] * s.Decay;
            float m = s.Beta1 * first[i] + (1f - s.Beta1) * g;
            float v = s.Beta2 * second[i] + (1f - s.Beta2) * g * g;
            first[i] = m;
            second[i] = v;
            parameters[i] = p - s.StepSize * m / (MathF.Sqrt(v) / s.SqrtBiasCorrection2 + s.Epsilon);
        }
    }

    /// <summary>The moments, for a checkpoint.</summary>
    public (float[] First, float[] Second) ExportState() =>
        _hostFirst is not null ? ((float[])_hostFirst.Clone(), (float[])_hostSecond!.Clone()) : (_first.GetAsArray1D(), _second.GetAsArray1D());

    /// <summary>Restores a checkpoint's moments and step count.</summary>
    public void ImportState(float[] first, float[] second, long steps)
    {
        if (first.Length != _first.Length || second.Length != _second.Length)
            throw new InvalidInputException($"The checkpoint's optimiser state has {first.Length} values; this embedding has {_first.Length}.");
        _first.CopyFromCPU(first);
        _second.CopyFromCPU(second);
        if (_hostFirst is not null)
        {
            first.CopyTo(_hostFirst, 0);
            second.CopyTo(_hostSecond!, 0);
        }
        Steps = steps;
    }

    public void Dispose()
    {
        _first.Dispose();
        _second.Dispose();
    }
}
