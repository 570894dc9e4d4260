using ILGPU;
using ILGPU.Runtime;

namespace AnomalyEngine.Embedding;

/// <summary>The stage-1 kernels that run between graph calls; every one is grid-stride.</summary>
internal static class EmbeddingKernels
{
    /// <summary>
    /// AnoGen's loss, per element: <c>sq = M (eps - eps_theta)^2</c> and its gradient
    /// <c>d loss / d eps_theta = 2 M (eps_theta - eps) / N</c>, N = B·C·h·w (mean over all latent
    /// elements, not over the mask). <paramref name="mask"/> is [B, h·w], broadcast over channels.
    /// </summary>
    public static void MaskedLoss(ArrayView<float> prediction, ArrayView<float> noise, ArrayView<float> mask,
        int channels, int cells, float inverseCount, ArrayView<float> gradient, ArrayView<float> squared)
    {
        int stride = Grid.DimX * Group.DimX;
        for (int i = Grid.GlobalIndex.X; i < prediction.IntLength; i += stride)
        {
            int item = i / (channels * cells);
            float m = mask[item * cells + i % cells];
            float diff = prediction[i] - noise[i];
            gradient[i] = 2f * m * diff * inverseCount;
            squared[i] = m * diff * diff;
        }
    }

    /// <summary>
    /// AnoGen's latent mask for a stack of pixel masks [B, H, W] → [B, h, w] of 0/1: bilinear with
    /// half-pixel centres and no antialiasing (torch's align_corners=False), then <c>!= 0</c>; the
    /// same arithmetic as <see cref="LatentMask.FromPixelMask"/>, one output cell per index.
    /// </summary>
    public static void BilinearLatentMask(ArrayView<float> masks, int height, int width, int outHeight, int outWidth, ArrayView<float> result)
    {
        int stride = Grid.DimX * Group.DimX;
        float scaleY = (float)height / outHeight, scaleX = (float)width / outWidth;
        int cells = outHeight * outWidth;
        for (int i = Grid.GlobalIndex.X; i < result.IntLength; i += stride)
        {
            int item = i / cells, cell = i - item * cells;
            int oy = cell / outWidth, ox = cell - oy * outWidth;
            float sy = (oy + 0.5f) * scaleY - 0.5f, sx = (ox + 0.5f) * scaleX - 0.5f;
            if (sy < 0f) sy = 0f;
            if (sx < 0f) sx = 0f;
            int y0 = (int)sy < height - 1 ? (int)sy : height - 1, x0 = (int)sx < width - 1 ? (int)sx : width - 1;
            int y1 = y0 + 1 < height - 1 ? y0 + 1 : height - 1, x1 = x0 + 1 < width - 1 ? x0 + 1 : width - 1;
            float wy = sy - y0, wx = sx - x0;
            long b = (long)item * height * width;
            float top = (1 - wx) * masks[b + y0 * width + x0] + wx * masks[b + y0 * width + x1];
            float bottom = (1 - wx) * masks[b + y1 * width + x0] + wx * masks[b + y1 * width + x1];
            float value = (1 - wy) * top + wy * bottom;
            result[i] = value != 0 ? 1f : 0f;
        }
    }

    /// <summary>Sums the placeholder slot's rows of <c>grad_context</c> [B, T, D] over the batch into [D].</summary>
    public static void GatherSlot(ArrayView<float> gradContext, int batch, int tokens, int width, int slot, ArrayView<float> result)
    {
        int stride = Grid.DimX * Group.DimX;
        for (int d = Grid.GlobalIndex.X; d < width; d += stride)
        {
            float sum = 0;
            for (int b = 0; b < batch; b++)
                sum += gradContext[(b * tokens + slot) * width + d];
            result[d] = sum;
        }
    }

    /// <summary>
    /// One AdamW step (Loshchilov &amp; Hutter; torch.optim.AdamW): p *= 1 - lr·wd;
    /// m = b1 m + (1-b1) g; v = b2 v + (1-b2) g²; p -= (lr / bc1) · m / (sqrt(v) / sqrt(bc2) + eps),
    /// with bc1 = 1 - b1^t and bc2 = 1 - b2^t computed by the caller.
    /// </summary>
    public static void AdamWStep(ArrayView<float> parameters, ArrayView<float> gradient, ArrayView<float> firstMoment,
        ArrayView<float> secondMoment, AdamWScalars s)
    {
        int stride = Grid.DimX * Group.DimX;
        for (int i = Grid.GlobalIndex.X; i < parameters.IntLength; i += stride)
        {
            float g = gradient[i];
            float p = parameters[i] * s.Decay;
            float m = s.Beta1 * firstMoment[i] + (1f - s.Beta1) * g;
            float v = s.Beta2 * secondMoment[i] + (1f - s.Beta2) * g * g;
            firstMoment[i] = m;
            secondMoment[i] = v;
            parameters[i] = p - s.StepSize * m / (MathF.Sqrt(v) / s.SqrtBiasCorrection2 + s.Epsilon);
        }
    }
}

/// <summary>The scalars of one AdamW step, precomputed on the host in double and passed by value.</summary>
internal readonly struct AdamWScalars
{
    public readonly float Decay, Beta1, Beta2, StepSize, SqrtBiasCorrection2, Epsilon;

    public AdamWScalars(AdamWOptions o, long step)
    {
        Decay = (float)(1 - o.LearningRate * o.WeightDecay);
        Beta1 = (float)o.Beta1;
        Beta2 = (float)o.Beta2;
        StepSize = (float)(o.LearningRate / (1 - Math.Pow(o.Beta1, step)));
        SqrtBiasCorrection2 = (float)Math.Sqrt(1 - Math.Pow(o.Beta2, step));
        Epsilon = (float)o.Epsilon;
    }
}

/// <summary>The stage-1 forward noising of a batch whose rows have their own timesteps.</summary>
internal static class LearnKernels
{
    /// <summary>
    /// Per row b with coefficients a_b = sqrt(abar_t), s_b = sqrt(1 - abar_t):
    /// eps ~ N(0, 1) keyed by (seed, row, step, element); z_t = a_b z0 + s_b eps; the regression
    /// target is eps (epsilon prediction) or v = a_b eps − s_b z0 (v prediction).
    /// </summary>
    public static void QSampleRows(ArrayView<float> z0, ArrayView<float> a, ArrayView<float> s, ArrayView<float> zt,
        ArrayView<float> target, LearnStepArgs args)
    {
        int stride = Grid.DimX * Group.DimX;
        for (int i = Grid.GlobalIndex.X; i < z0.IntLength; i += stride)
        {
            int row = i / args.RowElements;
            float eps = AnomalyEngine.Compute.Philox.Normal(args.Seed, (uint)row, args.Step, (uint)(i - row * args.RowElements));
            float x0 = z0[i];
            zt[i] = a[row] * x0 + s[row] * eps;
            target[i] = args.VPrediction != 0 ? a[row] * eps - s[row] * x0 : eps;
        }
    }
}

/// <summary>Scalars of one learning step's noising.</summary>
internal struct LearnStepArgs
{
    public ulong Seed;
    public uint Step;
    public int RowElements;
    public int VPrediction;
}
