using System.Numerics;
using AnomalyEngine.Compute;

namespace AnomalyEngine.Detection;

/// <summary>
/// Locally aggregated patch features (PatchCore, Roth et al. CVPR 2022): each layer is averaged over
/// its 3x3 neighbourhood, layer 3 is resized to layer 2's grid, and the two are concatenated per
/// location. Result: locations (row-major over layer 2's grid) x (C2 + C3) values.
/// </summary>
internal static class PatchFeatures
{
    /// <summary>3x3 mean, stride 1, zero padding counted (torch AvgPool2d(3, 1, 1), count_include_pad=True, as anomalib's PatchCore).</summary>
    internal static float[] AvgPool3x3(ReadOnlySpan<float> src, int channels, int height, int width)
    {
        var dst = new float[src.Length];
        for (int c = 0; c < channels; c++)
        {
            int o = c * height * width;
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    float sum = 0;
                    for (int dy = -1; dy <= 1; dy++)
                    {
                        int yy = y + dy;
                        if ((uint)yy >= (uint)height) continue;
                        for (int dx = -1; dx <= 1; dx++)
                        {
                            int xx = x + dx;
                            if ((uint)xx < (uint)width)
                                sum += src[o + yy * width + xx];
                        }
                    }
                    dst[o + y * width + x] = sum / 9f;
                }
        }
        return dst;
    }

    /// <summary>Bilinear resize of planar maps, half-pixel centres (torch interpolate, align_corners=False).</summary>
    internal static float[] ResizeBilinear(ReadOnlySpan<float> src, int channels, int height, int width, int outHeight, int outWidth)
    {
        var dst = new float[channels * outHeight * outWidth];
        float sy = (float)height / outHeight, sx = (float)width / outWidth;
        for (int y = 0; y < outHeight; y++)
        {
            float fy = Math.Max((y + 0.5f) * sy - 0.5f, 0f);
            int y0 = Math.Min((int)fy, height - 1), y1 = Math.Min(y0 + 1, height - 1);
            float wy = fy - y0;
            for (int x = 0; x < outWidth; x++)
            {
                float fx = Math.Max((x + 0.5f) * sx - 0.5f, 0f);
                int x0 = Math.Min((int)fx, width - 1), x1 = Math.Min(x0 + 1, width - 1);
                float wx = fx - x0;
                for (int c = 0; c < channels; c++)
                {
                    int o = c * height * width;
                    float top = src[o + y0 * width + x0] * (1 - wx) + src[o + y0 * width + x1] * wx;
                    float bottom = src[o + y1 * width + x0] * (1 - wx) + src[o + y1 * width + x1] * wx;
                    dst[(c * outHeight + y) * outWidth + x] = top * (1 - wy) + bottom * wy;
                }
            }
        }
        return dst;
    }

    /// <summary>Locations x (C2 + C3) aggregated features on layer 2's grid.</summary>
    internal static float[] Assemble(BackboneFeatures f)
    {
        var (l2, l3) = (f.Layer2, f.Layer3);
        var a2 = AvgPool3x3(l2.Data, l2.Channels, l2.Height, l2.Width);
        var a3 = AvgPool3x3(l3.Data, l3.Channels, l3.Height, l3.Width);
        var r3 = ResizeBilinear(a3, l3.Channels, l3.Height, l3.Width, l2.Height, l2.Width);
        int n = l2.Height * l2.Width, d = l2.Channels + l3.Channels;
        var result = new float[n * d];
        for (int c = 0; c < l2.Channels; c++)
            for (int i = 0; i < n; i++)
                result[i * d + c] = a2[c * n + i];
        for (int c = 0; c < l3.Channels; c++)
            for (int i = 0; i < n; i++)
                result[i * d + l2.Channels + c] = r3[c * n + i];
        return result;
    }

    /// <summary>
    /// A Johnson-Lindenstrauss projection matrix (inputDim x outputDim, entries N(0, 1/outputDim))
    /// drawn from Philox with (seed, stream): squared distances are preserved in expectation.
    /// </summary>
    internal static float[] ProjectionMatrix(int inputDim, int outputDim, ulong seed, uint stream)
    {
        var m = new float[inputDim * outputDim];
        float scale = 1f / MathF.Sqrt(outputDim);
        for (int i = 0; i < m.Length; i++)
            m[i] = Philox.Normal(seed, stream, 0, (uint)i) * scale;
        return m;
    }

    /// <summary>rows x inputDim times inputDim x outputDim.</summary>
    internal static float[] Project(float[] rows, int count, int inputDim, float[] matrix, int outputDim)
    {
        var result = new float[count * outputDim];
        Parallel.For(0, count, r =>
        {
            var dst = result.AsSpan(r * outputDim, outputDim);
            for (int k = 0; k < inputDim; k++)
            {
                float v = rows[r * inputDim + k];
                if (v == 0) continue;
                Axpy(v, matrix.AsSpan(k * outputDim, outputDim), dst);
            }
        });
        return result;
    }

    /// <summary>dst += a * x, vectorised.</summary>
    internal static void Axpy(float a, ReadOnlySpan<float> x, Span<float> dst)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            var va = new Vector<float>(a);
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
                (new Vector<float>(dst[i..]) + va * new Vector<float>(x[i..])).CopyTo(dst[i..]);
        }
        for (; i < x.Length; i++)
            dst[i] += a * x[i];
    }

    /// <summary>Sum of squared differences, vectorised.</summary>
    internal static float SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int i = 0;
        float sum = 0;
        if (Vector.IsHardwareAccelerated && a.Length >= Vector<float>.Count)
        {
            var acc = Vector<float>.Zero;
            for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var d = new Vector<float>(a[i..]) - new Vector<float>(b[i..]);
                acc += d * d;
            }
            sum = Vector.Sum(acc);
        }
        for (; i < a.Length; i++)
        {
            float d = a[i] - b[i];
            sum += d * d;
        }
        return sum;
    }

    /// <summary>Dot product, vectorised.</summary>
    internal static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int i = 0;
        float sum = 0;
        if (Vector.IsHardwareAccelerated && a.Length >= Vector<float>.Count)
        {
            var acc = Vector<float>.Zero;
            for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
                acc += new Vector<float>(a[i..]) * new Vector<float>(b[i..]);
            sum = Vector.Sum(acc);
        }
        for (; i < a.Length; i++)
            sum += a[i] * b[i];
        return sum;
    }
}
