namespace AnomalyEngine.Detection;

/// <summary>
/// From a feature-grid score map to an image-sized anomaly map: bilinear upsampling (half-pixel
/// centres) then a Gaussian blur as scipy.ndimage.gaussian_filter (truncate 4, mode "reflect"),
/// PatchCore's post-processing with sigma 4.
/// </summary>
internal static class AnomalyMapSmoothing
{
    internal static float[] ToImage(float[] grid, int gridHeight, int gridWidth, int height, int width, float sigma)
    {
        var up = PatchFeatures.ResizeBilinear(grid, 1, gridHeight, gridWidth, height, width);
        return sigma > 0 ? GaussianBlur(up, height, width, sigma) : up;
    }

    /// <summary>Normalised taps exp(-x^2 / (2 sigma^2)) for |x| &lt;= round(4 sigma).</summary>
    internal static float[] Kernel(float sigma)
    {
        int radius = (int)(4.0 * sigma + 0.5);
        var k = new double[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++)
            sum += k[i + radius] = Math.Exp(-0.5 * i * i / ((double)sigma * sigma));
        return k.Select(v => (float)(v / sum)).ToArray();
    }

    /// <summary>scipy's "reflect": (d c b a | a b c d | d c b a), folded until inside.</summary>
    internal static int Reflect(int i, int n)
    {
        if (n == 1) return 0;
        int period = 2 * n;
        i %= period;
        if (i < 0) i += period;
        return i < n ? i : period - 1 - i;
    }

    internal static float[] GaussianBlur(float[] image, int height, int width, float sigma)
    {
        var k = Kernel(sigma);
        int r = k.Length / 2;
        var tmp = new float[image.Length];
        var dst = new float[image.Length];
        Parallel.For(0, height, y =>
        {
            for (int x = 0; x < width; x++)
            {
                double s = 0;
                for (int j = -r; j <= r; j++)
                    s += k[j + r] * image[y * width + Reflect(x + j, width)];
                tmp[y * width + x] = (float)s;
            }
        });
        Parallel.For(0, height, y =>
        {
            for (int x = 0; x < width; x++)
            {
                double s = 0;
                for (int j = -r; j <= r; j++)
                    s += k[j + r] * tmp[Reflect(y + j, height) * width + x];
                dst[y * width + x] = (float)s;
            }
        });
        return dst;
    }
}
