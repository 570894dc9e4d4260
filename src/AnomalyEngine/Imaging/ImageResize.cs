namespace AnomalyEngine.Imaging;

/// <summary>How a mask is resampled.</summary>
public enum MaskResampling
{
    /// <summary>Each output pixel takes the input pixel under its centre: edges stay hard, thin defects may vanish when shrinking.</summary>
    Nearest,
    /// <summary>Area-aware linear interpolation, then the threshold: smoother edges, thin defects survive better.</summary>
    Bilinear,
}

/// <summary>
/// Resizes images and masks by separable convolution sampled at pixel centres, with the kernel widened by the
/// scale factor when shrinking so that every input pixel contributes (the antialiasing of PIL and ImageSharp).
/// At the border, taps outside the image are dropped and the remaining weights renormalised.
/// </summary>
public static class ImageResize
{
    /// <summary>Resizes every channel with the Keys bicubic kernel (a = -0.5, Catmull-Rom).</summary>
    public static ImageTensor Bicubic(ImageTensor image, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(image);
        CheckSize(height, width);
        return Resample(image, height, width, Keys, 2f);
    }

    /// <summary>Resizes every channel with the triangle (bilinear) kernel.</summary>
    public static ImageTensor Bilinear(ImageTensor image, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(image);
        CheckSize(height, width);
        return Resample(image, height, width, Triangle, 1f);
    }

    /// <summary>Resizes a mask; with <see cref="MaskResampling.Bilinear"/> a pixel is set where the interpolated value is at least <paramref name="threshold"/>.</summary>
    public static Mask Resize(Mask mask, int height, int width, MaskResampling mode = MaskResampling.Nearest, float threshold = 0.5f)
    {
        ArgumentNullException.ThrowIfNull(mask);
        CheckSize(height, width);
        if (!(threshold > 0f && threshold <= 1f))
            throw new InvalidOptionException($"mask threshold {threshold} must be in (0, 1]");
        var data = new byte[height * width];
        if (mode == MaskResampling.Nearest)
        {
            for (int y = 0; y < height; y++)
            {
                int sy = Math.Min((int)((y + 0.5) * mask.Height / height), mask.Height - 1);
                for (int x = 0; x < width; x++)
                {
                    int sx = Math.Min((int)((x + 0.5) * mask.Width / width), mask.Width - 1);
                    data[y * width + x] = mask.Data[sy * mask.Width + sx];
                }
            }
            return new Mask(data, height, width);
        }
        var values = new float[mask.Data.Length];
        for (int i = 0; i < values.Length; i++) values[i] = mask.Data[i];
        ImageTensor smooth = Resample(new ImageTensor(values, 1, mask.Height, mask.Width), height, width, Triangle, 1f);
        for (int i = 0; i < data.Length; i++) data[i] = smooth.Data[i] >= threshold ? (byte)1 : (byte)0;
        return new Mask(data, height, width);
    }

    private static void CheckSize(int height, int width)
    {
        if (height < 1 || width < 1 || (long)height * width > int.MaxValue / 4)
            throw new InvalidOptionException($"cannot resize to {width}x{height}: sizes must be positive and the image under 512 megapixels");
    }

    // Keys (1981), "Cubic convolution interpolation for digital image processing", with a = -0.5.
    private static float Keys(float x)
    {
        x = MathF.Abs(x);
        if (x < 1f) return (1.5f * x - 2.5f) * x * x + 1f;
        if (x < 2f) return ((-0.5f * x + 2.5f) * x - 4f) * x + 2f;
        return 0f;
    }

    private static float Triangle(float x)
    {
        x = MathF.Abs(x);
        return x < 1f ? 1f - x : 0f;
    }

    /// <summary>For each output index, the first input index and the normalised weights of the inputs it reads.</summary>
    private static (int[] Start, float[][] Weights) Taps(int inSize, int outSize, Func<float, float> kernel, float radius)
    {
        float scale = (float)inSize / outSize;
        float stretch = MathF.Max(scale, 1f);
        float support = radius * stretch;
        var start = new int[outSize];
        var weights = new float[outSize][];
        for (int o = 0; o < outSize; o++)
        {
            float centre = (o + 0.5f) * scale - 0.5f;
            // Taps outside the image are dropped and the rest renormalised, as PIL and ImageSharp do.
            int lo = Math.Max(0, (int)MathF.Ceiling(centre - support)), hi = Math.Min(inSize - 1, (int)MathF.Floor(centre + support));
            var w = new float[hi - lo + 1];
            float sum = 0f;
            for (int j = lo; j <= hi; j++)
            {
                w[j - lo] = kernel((j - centre) / stretch);
                sum += w[j - lo];
            }
            for (int j = 0; j < w.Length; j++) w[j] /= sum;
            start[o] = lo;
            weights[o] = w;
        }
        return (start, weights);
    }

    private static ImageTensor Resample(ImageTensor image, int height, int width, Func<float, float> kernel, float radius)
    {
        int c = image.Channels, h = image.Height, w = image.Width;
        var (xs, xw) = Taps(w, width, kernel, radius);
        var (ys, yw) = Taps(h, height, kernel, radius);
        var rows = new float[h * width];
        var output = new ImageTensor(c, height, width);
        for (int ch = 0; ch < c; ch++)
        {
            ReadOnlySpan<float> src = image.Data.AsSpan(ch * h * w, h * w);
            // Horizontal pass into rows, then vertical pass into the output.
            for (int y = 0; y < h; y++)
                for (int x = 0; x < width; x++)
                {
                    float[] wt = xw[x];
                    float acc = 0f;
                    for (int t = 0; t < wt.Length; t++)
                        acc += wt[t] * src[y * w + xs[x] + t];
                    rows[y * width + x] = acc;
                }
            Span<float> dst = output.Data.AsSpan(ch * height * width, height * width);
            for (int y = 0; y < height; y++)
            {
                float[] wt = yw[y];
                for (int x = 0; x < width; x++)
                {
                    float acc = 0f;
                    for (int t = 0; t < wt.Length; t++)
                        acc += wt[t] * rows[(ys[y] + t) * width + x];
                    dst[y * width + x] = acc;
                }
            }
        }
        return output;
    }
}
