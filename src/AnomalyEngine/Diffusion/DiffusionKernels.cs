using AnomalyEngine.Compute;
using ILGPU;
using ILGPU.Runtime;
using Buffer = ILGPU.Runtime.MemoryBuffer1D<float, ILGPU.Stride1D.Dense>;
using ItemBuffer = ILGPU.Runtime.MemoryBuffer1D<uint, ILGPU.Stride1D.Dense>;

namespace AnomalyEngine.Diffusion;

/// <summary>Scalars shared by the per-step kernels (one struct keeps the kernel signatures short).</summary>
internal struct StepArgs
{
    public ulong Seed;
    /// <summary>The Philox "step" word: sampler step index * 4 + purpose (see <see cref="DiffusionKernels.NoiseStep"/>).</summary>
    public uint NoiseStep;
    /// <summary>q_sample signal coefficient sqrt(abar_t).</summary>
    public float A;
    /// <summary>q_sample noise coefficient sqrt(1 - abar_t).</summary>
    public float S;
    /// <summary>Classifier-free guidance scale w.</summary>
    public float Guidance;
    /// <summary>The scheduler step x_prev = Cx x + Cm m + Cz z.</summary>
    public float Cx, Cm, Cz;
    /// <summary>Elements per item (C h w).</summary>
    public int N;
    /// <summary>Spatial elements per item (h w): channels share one mask value.</summary>
    public int Hw;
    /// <summary>Offset of the unconditional rows in the predictor's batch (B N), or 0 without guidance.</summary>
    public int UncondOffset;
    /// <summary>Elements over the whole batch (B N).</summary>
    public int Total;
}

/// <summary>Sizes for the mask resampling and paste-back kernels.</summary>
internal struct ImageArgs
{
    public int InH, InW, OutH, OutW, Channels, Feather, Total;
}

/// <summary>
/// The grid-stride ILGPU kernels that run between graph calls. Noise is Philox keyed by
/// (seed, item, step * 4 + purpose, element), so it does not depend on batch size or launch shape.
/// </summary>
internal sealed class DiffusionKernels
{
    /// <summary>Noise purposes folded into the Philox step word.</summary>
    public const uint InitialNoise = 0, BlendNoise = 1, StepNoise = 2;

    private readonly ComputeDevice _device;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<uint>, StepArgs> _qSample;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<uint>, StepArgs> _blend;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<uint>, StepArgs> _guidedStep;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ImageArgs> _resizeMask;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ImageArgs> _pasteBack;

    public DiffusionKernels(ComputeDevice device, bool? hostLoops = null)
    {
        _device = device;
        HostLoops = hostLoops ?? device.Accelerator.AcceleratorType == AcceleratorType.CPU;
        if (HostLoops && device.Accelerator.AcceleratorType != AcceleratorType.CPU)
            throw new InvalidOperationException("Host loops need the CPU accelerator's host memory.");
        var a = device.Accelerator;
        _qSample = a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<uint>, StepArgs>(QSampleKernel);
        _blend = a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<uint>, StepArgs>(BlendKernel);
        _guidedStep = a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<uint>, StepArgs>(GuidedStepKernel);
        _resizeMask = a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ImageArgs>(ResizeMaskKernel);
        _pasteBack = a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ImageArgs>(PasteBackKernel);
    }

    public ComputeDevice Device => _device;

    /// <summary>The Philox step word of sampler step <paramref name="stepIndex"/> for one purpose.</summary>
    public static uint NoiseStep(int stepIndex, uint purpose) => (uint)stepIndex * 4u + purpose;

    /// <summary>
    /// True when the per-step operations run as plain loops over the CPU accelerator's memory
    /// instead of kernel launches (ILGPU's CPU accelerator emulates GPU threads and costs more than
    /// the element math). Both paths call the same element functions, so the bytes agree (tested).
    /// </summary>
    public bool HostLoops { get; }

    public void QSample(Buffer x0, Buffer output, ItemBuffer items, StepArgs args)
    {
        if (!HostLoops)
        {
            _qSample(_device.GridStride(args.Total), x0.View, output.View, items.View, args);
            return;
        }
        _device.Accelerator.Synchronize();
        Span<float> src = Host(x0), dst = Host(output);
        Span<uint> keys = Host(items);
        for (int i = 0; i < args.Total; i++)
        {
            int b = i / args.N;
            dst[i] = QSampleAt(args, src[i], keys[b], i - b * args.N);
        }
    }

    public void Blend(Buffer z, Buffer reference, Buffer latentMask, Buffer unetInput, ItemBuffer items, StepArgs args)
    {
        if (!HostLoops)
        {
            _blend(_device.GridStride(args.Total), z.View, reference.View, latentMask.View, unetInput.View, items.View, args);
            return;
        }
        _device.Accelerator.Synchronize();
        Span<float> zs = Host(z), refs = Host(reference), mask = Host(latentMask), input = Host(unetInput);
        Span<uint> keys = Host(items);
        for (int i = 0; i < args.Total; i++)
        {
            int b = i / args.N, e = i - b * args.N;
            float v = zs[i];
            if (mask[b * args.Hw + e % args.Hw] < 0.5f)
            {
                v = QSampleAt(args, refs[i], keys[b], e);
                zs[i] = v;
            }
            input[i] = v;
            if (args.UncondOffset > 0)
                input[i + args.UncondOffset] = v;
        }
    }

    public void GuidedStep(Buffer z, Buffer prediction, ItemBuffer items, StepArgs args)
    {
        if (!HostLoops)
        {
            _guidedStep(_device.GridStride(args.Total), z.View, prediction.View, items.View, args);
            return;
        }
        _device.Accelerator.Synchronize();
        Span<float> zs = Host(z), pred = Host(prediction);
        Span<uint> keys = Host(items);
        for (int i = 0; i < args.Total; i++)
        {
            int b = i / args.N;
            zs[i] = GuidedStepAt(args, zs[i], pred[i], pred[i + args.UncondOffset], keys[b], i - b * args.N);
        }
    }

    /// <summary>The CPU accelerator's buffer memory as a span (valid only on the CPU accelerator).</summary>
    private static unsafe Span<T> Host<T>(MemoryBuffer1D<T, Stride1D.Dense> buffer) where T : unmanaged =>
        new((void*)buffer.NativePtr, checked((int)buffer.Length));

    public void ResizeMask(ArrayView<float> source, ArrayView<float> target, ImageArgs args)
    {
        if (!HostLoops)
        {
            _resizeMask(_device.GridStride(args.Total), source, target, args);
            return;
        }
        _device.Accelerator.Synchronize();
        for (int i = 0; i < args.Total; i++)
            ResizeMaskAt(i, source, target, args);
    }

    public void PasteBack(ArrayView<float> original, ArrayView<float> generated, ArrayView<float> pixelMask, ArrayView<float> output, ImageArgs args)
    {
        if (!HostLoops)
        {
            _pasteBack(_device.GridStride(args.Total), original, generated, pixelMask, output, args);
            return;
        }
        _device.Accelerator.Synchronize();
        // CPU accelerator views are host memory: the loop calls the kernel's own element function.
        for (int i = 0; i < args.Total; i++)
            PasteBackAt(i, original, generated, pixelMask, output, args);
    }

    /// <summary>q_sample (Ho et al. 2020, eq. 4): out = A x0 + S eps, eps = Philox normal of (seed, item, step, element).</summary>
    private static float QSampleAt(in StepArgs p, float x0, uint item, int e) =>
        p.A * x0 + p.S * Philox.Normal(p.Seed, item, p.NoiseStep, (uint)e);

    /// <summary>Guidance m = u + w (c - u) (Ho and Salimans 2022), then x_prev = Cx x + Cm m + Cz z.</summary>
    private static float GuidedStepAt(in StepArgs p, float x, float c, float u, uint item, int e)
    {
        float m = u + p.Guidance * (c - u);
        float next = p.Cx * x + p.Cm * m;
        if (p.Cz != 0f)
            next += p.Cz * Philox.Normal(p.Seed, item, p.NoiseStep, (uint)e);
        return next;
    }

    private static void QSampleKernel(ArrayView<float> x0, ArrayView<float> output, ArrayView<uint> items, StepArgs p)
    {
        for (int i = Grid.GlobalIndex.X; i < p.Total; i += Grid.DimX * Group.DimX)
        {
            int b = i / p.N;
            output[i] = QSampleAt(p, x0[i], items[b], i - b * p.N);
        }
    }

    /// <summary>
    /// AnoGen blending: z = mask ? z : q_sample(reference, t) with fresh noise (mask = 1 where the
    /// defect is generated); the result also fills the predictor input rows (conditional and,
    /// with guidance, the unconditional copy at UncondOffset).
    /// </summary>
    private static void BlendKernel(ArrayView<float> z, ArrayView<float> reference, ArrayView<float> latentMask, ArrayView<float> unetInput, ArrayView<uint> items, StepArgs p)
    {
        for (int i = Grid.GlobalIndex.X; i < p.Total; i += Grid.DimX * Group.DimX)
        {
            int b = i / p.N, e = i - b * p.N;
            float v = z[i];
            if (latentMask[b * p.Hw + e % p.Hw] < 0.5f)
            {
                v = QSampleAt(p, reference[i], items[b], e);
                z[i] = v;
            }
            unetInput[i] = v;
            if (p.UncondOffset > 0)
                unetInput[i + p.UncondOffset] = v;
        }
    }

    /// <summary>
    /// Classifier-free guidance then the scheduler step: m = u + w (c - u) (Ho and Salimans 2022),
    /// x_prev = Cx x + Cm m + Cz z; conditional rows first, unconditional rows at UncondOffset
    /// (offset 0 means no guidance: u = c, so m = c exactly).
    /// </summary>
    private static void GuidedStepKernel(ArrayView<float> z, ArrayView<float> prediction, ArrayView<uint> items, StepArgs p)
    {
        for (int i = Grid.GlobalIndex.X; i < p.Total; i += Grid.DimX * Group.DimX)
        {
            int b = i / p.N;
            z[i] = GuidedStepAt(p, z[i], prediction[i], prediction[i + p.UncondOffset], items[b], i - b * p.N);
        }
    }

    /// <summary>
    /// Nearest resize of a batch of masks, binarised at 0.5: target(y, x) = source(y InH / OutH, x InW / OutW)
    /// (integer division: torch's nearest, src = floor(dst * in / out)).
    /// </summary>
    private static void ResizeMaskKernel(ArrayView<float> source, ArrayView<float> target, ImageArgs p)
    {
        for (int i = Grid.GlobalIndex.X; i < p.Total; i += Grid.DimX * Group.DimX)
            ResizeMaskAt(i, source, target, p);
    }

    private static void ResizeMaskAt(int i, ArrayView<float> source, ArrayView<float> target, ImageArgs p)
    {
        int plane = p.OutH * p.OutW;
        int b = i / plane, r = i - b * plane, y = r / p.OutW, x = r - y * p.OutW;
        int sy = y * p.InH / p.OutH, sx = x * p.InW / p.OutW;
        target[i] = source[b * p.InH * p.InW + sy * p.InW + sx] >= 0.5f ? 1f : 0f;
    }

    /// <summary>
    /// Pixel paste-back with a feathered edge: w = clamp(2 mean_k(mask) - 1, 0, 1) over the
    /// (2F+1)^2 window k (edges replicated), a linear ramp from 0 at the mask edge to 1 at F pixels
    /// inside; out = original where the mask is 0 (bit-exact), else original (1 - w) + generated w.
    /// One thread per pixel, all channels.
    /// </summary>
    private static void PasteBackKernel(ArrayView<float> original, ArrayView<float> generated, ArrayView<float> pixelMask, ArrayView<float> output, ImageArgs p)
    {
        for (int i = Grid.GlobalIndex.X; i < p.Total; i += Grid.DimX * Group.DimX)
            PasteBackAt(i, original, generated, pixelMask, output, p);
    }

    private static void PasteBackAt(int i, ArrayView<float> original, ArrayView<float> generated, ArrayView<float> pixelMask, ArrayView<float> output, ImageArgs p)
    {
        int plane = p.OutH * p.OutW;
        {
            int b = i / plane, r = i - b * plane, y = r / p.OutW, x = r - y * p.OutW;
            float w = 0f;
            if (pixelMask[i] >= 0.5f)
            {
                float sum = 0f;
                for (int dy = -p.Feather; dy <= p.Feather; dy++)
                {
                    int yy = y + dy < 0 ? 0 : y + dy >= p.OutH ? p.OutH - 1 : y + dy;
                    for (int dx = -p.Feather; dx <= p.Feather; dx++)
                    {
                        int xx = x + dx < 0 ? 0 : x + dx >= p.OutW ? p.OutW - 1 : x + dx;
                        sum += pixelMask[b * plane + yy * p.OutW + xx] >= 0.5f ? 1f : 0f;
                    }
                }
                int side = 2 * p.Feather + 1;
                w = 2f * sum / (side * side) - 1f;
            }
            for (int ch = 0; ch < p.Channels; ch++)
            {
                int k = (b * p.Channels + ch) * plane + r;
                output[k] = w <= 0f ? original[k] : w >= 1f ? generated[k] : original[k] * (1f - w) + generated[k] * w; // w clamped to [0, 1] here
            }
        }
    }
}
