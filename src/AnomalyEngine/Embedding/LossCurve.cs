using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AnomalyEngine.Embedding;

/// <summary>Writes a loss history as CSV (step, loss, running mean) and as a small PNG plot.</summary>
public static class LossCurve
{
    /// <summary>Window of the running mean drawn over the raw, noisy per-step losses.</summary>
    public const int SmoothingWindow = 50;

    /// <summary>Running mean over the last <paramref name="window"/> values (fewer at the start).</summary>
    public static double[] RunningMean(IReadOnlyList<double> values, int window = SmoothingWindow)
    {
        var result = new double[values.Count];
        double sum = 0;
        for (int i = 0; i < values.Count; i++)
        {
            sum += values[i];
            if (i >= window) sum -= values[i - window];
            result[i] = sum / Math.Min(i + 1, window);
        }
        return result;
    }

    /// <summary>Writes <c>step,loss,mean</c> rows atomically.</summary>
    public static void WriteCsv(string path, IReadOnlyList<double> losses)
    {
        var mean = RunningMean(losses);
        var lines = new List<string>(losses.Count + 1) { "step,loss,running_mean" };
        for (int i = 0; i < losses.Count; i++)
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{i + 1},{losses[i]:R},{mean[i]:R}"));
        var temporary = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllLines(temporary, lines);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Plots raw losses (light) and their running mean (dark) on a log-free linear axis, atomically as PNG.</summary>
    public static void WritePng(string path, IReadOnlyList<double> losses, int width = 640, int height = 320)
    {
        using var image = new Image<Rgb24>(width, height, new Rgb24(255, 255, 255));
        const int margin = 24;
        if (losses.Count > 0)
        {
            var finite = losses.Where(double.IsFinite).ToArray();
            double lo = finite.Length > 0 ? finite.Min() : 0, hi = finite.Length > 0 ? finite.Max() : 1;
            if (hi <= lo) hi = lo + 1;
            int X(int i) => margin + (int)((long)i * (width - 2 * margin) / Math.Max(1, losses.Count - 1));
            int Y(double v) => height - margin - (int)Math.Round((v - lo) / (hi - lo) * (height - 2 * margin));
            DrawAxes(image, margin);
            DrawSeries(image, losses, X, Y, new Rgb24(170, 190, 230));
            DrawSeries(image, RunningMean(losses), X, Y, new Rgb24(20, 60, 160));
        }
        var temporary = path + ".tmp-" + Environment.ProcessId;
        image.SaveAsPng(temporary);
        File.Move(temporary, path, overwrite: true);
    }

    private static void DrawAxes(Image<Rgb24> image, int margin)
    {
        var grey = new Rgb24(90, 90, 90);
        for (int x = margin; x < image.Width - margin; x++) image[x, image.Height - margin] = grey;
        for (int y = margin; y <= image.Height - margin; y++) image[margin, y] = grey;
    }

    private static void DrawSeries(Image<Rgb24> image, IReadOnlyList<double> values, Func<int, int> x, Func<double, int> y, Rgb24 colour)
    {
        for (int i = 1; i < values.Count; i++)
        {
            if (!double.IsFinite(values[i - 1]) || !double.IsFinite(values[i])) continue;
            DrawLine(image, x(i - 1), y(values[i - 1]), x(i), y(values[i]), colour);
        }
    }

    // Bresenham's line, clipped to the image.
    private static void DrawLine(Image<Rgb24> image, int x0, int y0, int x1, int y1, Rgb24 colour)
    {
        int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
        while (true)
        {
            if ((uint)x0 < (uint)image.Width && (uint)y0 < (uint)image.Height) image[x0, y0] = colour;
            if (x0 == x1 && y0 == y1) break;
            int e2 = 2 * err;
            if (e2 >= dy) { err += dy; x0 += sx; }
            if (e2 <= dx) { err += dx; y0 += sy; }
        }
    }
}
