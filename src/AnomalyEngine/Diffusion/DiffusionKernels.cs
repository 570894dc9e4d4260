using AnomalyEngine.Compute;
using ILGPU;
using ILGPU.Runtime;

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

    public DiffusionKernels(ComputeDevice device)
    {
        _device = device;
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

    public void QSample(ArrayView<float> x0, ArrayView<float> output, ArrayView<uint> items, StepArgs args) =>
        _qSample(_device.GridStride(args.Total), x0, output, items, args);

    public void Blend(ArrayView<float> z, ArrayView<float> reference, ArrayView<float> latentMask, ArrayView<float> unetInput, ArrayView<uint> items, StepArgs args) =>
        _blend(_device.GridStride(args.Total), z, reference, latentMask, unetInput, items, args);

    public void GuidedStep(ArrayView<float> z, ArrayView<float> prediction, ArrayView<uint> items, StepArgs args) =>
        _guidedStep(_device.GridStride(args.Total), z, prediction, items, args);

    public void ResizeMask(ArrayView<float> source, ArrayView<float> target, ImageArgs args) =>
        _resizeMask(_device.GridStride(args.Total), source, target, args);

    public void PasteBack(ArrayView<float> original, ArrayView<float> generated, ArrayView<float> pixelMask, ArrayView<float> output, ImageArgs args) =>
        _pasteBack(_device.GridStride(args.Total), original, generated, pixelMask, output, args);

    /// <summary>q_sample (Ho et al. 2020, eq. 4): out = A x0 + S eps, eps = Philox normal of (seed, item, step, element).</summary>
    private static void QSampleKernel(ArrayView<float> x0, ArrayView<float> output, ArrayView<uint> items, StepArgs p)
    {
        for (int i = Grid.GlobalIndex.X; i < p.Total; i += Grid.DimX * Group.DimX)
        {
            int b = i / p.N, e = i - b * p.N;
            output[i] = p.A * x0[i] + p.S * Philox.Normal(p.Seed, items[b], p.NoiseStep, (uint)e);
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
                v = p.A * reference[i] + p.S * Philox.Normal(p.Seed, items[b], p.NoiseStep, (uint)e);
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
            float c = prediction[i], u = prediction[i + p.UncondOffset];
            float m = u + p.Guidance * (c - u);
            float next = p.Cx * z[i] + p.Cm * m;
            if (p.Cz != 0f)
            {
                int b = i / p.N;
                next += p.Cz * Philox.Normal(p.Seed, items[b], p.NoiseStep, (uint)(i - b * p.N));
            }
            z[i] = next;
        }
    }

    /// <summary>
    /// Nearest resize of a batch of masks, binarised at 0.5: target(y, x) = source(y InH / OutH, x InW / OutW)
    /// (integer division: torch's nearest, src = floor(dst * in / out)).
    /// </summary>
    private static void ResizeMaskKernel(ArrayView<float> source, ArrayView<float> target, ImageArgs p)
    {
        int plane = p.OutH * p.OutW;
        for (int i = Grid.GlobalIndex.X; i < p.Total; i += Grid.DimX * Group.DimX)
        {
            int b = i / plane, r = i - b * plane, y = r / p.OutW, x = r - y * p.OutW;
            int sy = y * p.InH / p.OutH, sx = x * p.InW / p.OutW;
            target[i] = source[b * p.InH * p.InW + sy * p.InW + sx] >= 0.5f ? 1f : 0f;
        }
    }

    /// <summary>
    /// Pixel paste-back with a feathered edge: w = clamp(2 mean_k(mask) - 1, 0, 1) over the
    /// (2F+1)^2 window k (edges replicated), a linear ramp from 0 at the mask edge to 1 at F pixels
    /// inside; out = original where the mask is 0 (bit-exact), else original (1 - w) + generated w.
    /// One thread per pixel, all channels.
    /// </summary>
    private static void PasteBackKernel(ArrayView<float> original, ArrayView<float> generated, ArrayView<float> pixelMask, ArrayView<float> output, ImageArgs p)
    {
        int plane = p.OutH * p.OutW;
        for (int i = Grid.GlobalIndex.X; i < p.Total; i += Grid.DimX * Group.DimX)
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
