namespace AnomalyEngine.Generation;

/// <summary>
/// The object's foreground, where AnoGen allows defects on objects: Otsu's threshold on the grey
/// image (foreground = grey &gt; threshold), inverted when the top-left corner is bright (a light
/// background), then closed with a 15x15 elliptical structuring element (OpenCV's shape).
/// </summary>
public static class ForegroundMask
{
    /// <summary>Computes the foreground of a row-major 8-bit grey image.</summary>
    public static bool[] FromGrey(ReadOnlySpan<byte> grey, int height, int width, int closingSize = 15)
    {
        if (grey.Length != height * width) throw new InvalidInputException($"The grey image has {grey.Length} pixels; its stated size is {height}x{width}.");
        int threshold = OtsuThreshold(grey);
        var mask = new bool[grey.Length];
        for (int i = 0; i < grey.Length; i++) mask[i] = grey[i] > threshold;
        if (mask[0])
            for (int i = 0; i < mask.Length; i++) mask[i] = !mask[i];
        return Close(mask, height, width, Ellipse(closingSize));
    }

    /// <summary>
    /// Otsu's threshold t maximising the between-class variance w0·w1·(μ0 − μ1)² of the classes
    /// {g ≤ t} and {g &gt; t}; the first maximum wins.
    /// </summary>
    public static int OtsuThreshold(ReadOnlySpan<byte> grey)
    {
        Span<long> histogram = stackalloc long[256];
        foreach (var g in grey) histogram[g]++;
        double total = grey.Length, sumAll = 0;
        for (int g = 0; g < 256; g++) sumAll += g * (double)histogram[g];
        double w0 = 0, sum0 = 0, best = -1;
        int threshold = 0;
        for (int t = 0; t < 256; t++)
        {
            w0 += histogram[t];
            sum0 += t * (double)histogram[t];
            double w1 = total - w0;
            if (w0 == 0 || w1 == 0) continue;
            double mu0 = sum0 / w0, mu1 = (sumAll - sum0) / w1;
            double between = w0 / total * (w1 / total) * (mu0 - mu1) * (mu0 - mu1);
            if (between > best) { best = between; threshold = t; }
        }
        return threshold;
    }

    /// <summary>OpenCV's MORPH_ELLIPSE element: row i spans c ± round(c·sqrt(1 − (i − r)² / r²)).</summary>
    public static bool[,] Ellipse(int size)
    {
        var element = new bool[size, size];
        int r = size / 2, c = size / 2;
        double inverseR2 = r > 0 ? 1.0 / (r * r) : 0;
        for (int i = 0; i < size; i++)
        {
            int dy = i - r;
            if (Math.Abs(dy) > r) continue;
            int dx = (int)Math.Round(c * Math.Sqrt((r * r - dy * dy) * inverseR2), MidpointRounding.ToEven);
            for (int j = Math.Max(c - dx, 0); j < Math.Min(c + dx + 1, size); j++) element[i, j] = true;
        }
        return element;
    }

    /// <summary>Closing = dilation then erosion; pixels outside the image never count (OpenCV's default border).</summary>
    public static bool[] Close(bool[] mask, int height, int width, bool[,] element)
        => Morph(Morph(mask, height, width, element, dilate: true), height, width, element, dilate: false);

    private static bool[] Morph(bool[] mask, int height, int width, bool[,] element, bool dilate)
    {
        // Each row of the element is one contiguous run [dx0, dx1] (true of ellipses and rectangles),
        // so with per-row prefix counts every (pixel, element row) test is O(1).
        int kh = element.GetLength(0), kw = element.GetLength(1), ry = kh / 2, rx = kw / 2;
        var runs = new List<(int Dy, int Dx0, int Dx1)>();
        for (int i = 0; i < kh; i++)
        {
            int first = -1, last = -1;
            for (int j = 0; j < kw; j++)
                if (element[i, j]) { if (first < 0) first = j; last = j; }
            if (first < 0) continue;
            for (int j = first; j <= last; j++)
                if (!element[i, j]) throw new ArgumentException("Structuring element rows must be contiguous runs.", nameof(element));
            runs.Add((i - ry, first - rx, last - rx));
        }
        var prefix = new int[height * (width + 1)]; // prefix[y, x] = set pixels in row y before column x
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                prefix[y * (width + 1) + x + 1] = prefix[y * (width + 1) + x] + (mask[y * width + x] ? 1 : 0);
        var result = new bool[mask.Length];
        Parallel.For(0, height, y =>
        {
            for (int x = 0; x < width; x++)
            {
                // Dilation: any neighbour set; erosion: every in-image neighbour set.
                bool value = !dilate;
                foreach (var (dy, dx0, dx1) in runs)
                {
                    int yy = y + dy;
                    if ((uint)yy >= (uint)height) continue;
                    int x0 = Math.Max(0, x + dx0), x1 = Math.Min(width - 1, x + dx1);
                    if (x0 > x1) continue;
                    int set = prefix[yy * (width + 1) + x1 + 1] - prefix[yy * (width + 1) + x0];
                    if (dilate && set > 0) { value = true; break; }
                    if (!dilate && set < x1 - x0 + 1) { value = false; break; }
                }
                result[y * width + x] = value;
            }
        });
        return result;
    }
}
