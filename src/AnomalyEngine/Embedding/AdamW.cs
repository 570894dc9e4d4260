using AnomalyEngine.Compute;
using ILGPU;
using ILGPU.Runtime;

namespace AnomalyEngine.Embedding;

/// <summary>AdamW over one parameter vector kept on the device, with its moments; its state can be saved and restored exactly.</summary>
internal sealed class AdamW : IDisposable
{
    private readonly ComputeDevice _device;
    private readonly AdamWOptions _options;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _first, _second;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamWScalars> _step;

    public AdamW(ComputeDevice device, AdamWOptions options, int length)
    {
        options.Validate();
        _device = device;
        _options = options;
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

    /// <summary>The moments, for a checkpoint.</summary>
    public (float[] First, float[] Second) ExportState() => (_first.GetAsArray1D(), _second.GetAsArray1D());

    /// <summary>Restores a checkpoint's moments and step count.</summary>
    public void ImportState(float[] first, float[] second, long steps)
    {
        if (first.Length != _first.Length || second.Length != _second.Length)
            throw new InvalidInputException($"The checkpoint's optimiser state has {first.Length} values; this embedding has {_first.Length}.");
        _first.CopyFromCPU(first);
        _second.CopyFromCPU(second);
        Steps = steps;
    }

    public void Dispose()
    {
        _first.Dispose();
        _second.Dispose();
    }
}
