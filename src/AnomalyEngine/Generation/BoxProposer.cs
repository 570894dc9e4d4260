using AnomalyEngine.Compute;
using AnomalyEngine.Embedding;

namespace AnomalyEngine.Generation;

/// <summary>
/// AnoGen's box proposals: width and height drawn from per-defect ranges (fractions of the image
/// side), rotation U{0..180} degrees, accepted only when at least <see cref="MinimumInside"/> of
/// the box's pixels lie in the allowed region. Randomness is keyed by (seed, item, attempt).
/// </summary>
public sealed class BoxProposer(BoxSizeRange sizes, double minimumInside = 0.75, int maxAttempts = 200)
{
    public BoxSizeRange Sizes { get; } = Validate(sizes);
    public double MinimumInside { get; } = minimumInside;

    /// <summary>
    /// Proposes a box for item <paramref name="item"/>; null when no attempt met the constraint
    /// (the allowed region is too small for the size range).
    /// </summary>
    public DefectBox? Propose(bool[]? allowed, int height, int width, ulong seed, uint item)
    {
        if (allowed is not null && allowed.Length != height * width)
            throw new InvalidInputException($"The allowed region has {allowed.Length} pixels; the image is {height}x{width}.");
        for (uint attempt = 0; attempt < maxAttempts; attempt++)
        {
            double U(uint k) => Philox.Uniform(seed, 0x424F5800u + item, attempt, k);
            double side = Math.Min(height, width);
            double w = Math.Max(2, (Sizes.MinWidth + (Sizes.MaxWidth - Sizes.MinWidth) * U(0)) * side);
            double h = Math.Max(2, (Sizes.MinHeight + (Sizes.MaxHeight - Sizes.MinHeight) * U(1)) * side);
            double angle = Math.Min(180, Math.Floor(U(2) * 181));
            double cx = w / 2 + (width - w) * U(3);
            double cy = h / 2 + (height - h) * U(4);
            var box = new DefectBox(cx, cy, w, h, angle);
            if (allowed is null)
                return box;
            // A 16x16-point estimate rejects clear misses cheaply; the exact pixel count decides.
            if (SampledInsideFraction(box, allowed, height, width) < MinimumInside - 0.2)
                continue;
            if (InsideFraction(box, allowed, height, width) >= MinimumInside)
                return box;
        }
        return null;
    }

    /// <summary>The fraction of the box's pixels that lie in the allowed region (pixels off the image count as outside).</summary>
    public static double InsideFraction(DefectBox box, bool[] allowed, int height, int width)
    {
        // Visit the box's bounding square; pixels off the image are outside the region.
        double radius = Math.Sqrt(box.Width * box.Width + box.Height * box.Height) / 2;
        int x0 = (int)Math.Floor(box.CenterX - radius), x1 = (int)Math.Ceiling(box.CenterX + radius);
        int y0 = (int)Math.Floor(box.CenterY - radius), y1 = (int)Math.Ceiling(box.CenterY + radius);
        long total = 0, inside = 0;
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++)
            {
                if (!box.Contains(x, y)) continue;
                total++;
                if ((uint)x < (uint)width && (uint)y < (uint)height && allowed[y * width + x]) inside++;
            }
        return total == 0 ? 0 : (double)inside / total;
    }

    /// <summary>The allowed share of 16x16 points spread evenly over the box (an estimate of <see cref="InsideFraction"/>).</summary>
    internal static double SampledInsideFraction(DefectBox box, bool[] allowed, int height, int width)
    {
        const int n = 16;
        double a = box.AngleDegrees * Math.PI / 180, cos = Math.Cos(a), sin = Math.Sin(a);
        int inside = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double u = ((i + 0.5) / n - 0.5) * box.Width, v = ((j + 0.5) / n - 0.5) * box.Height;
                int x = (int)Math.Floor(box.CenterX + u * cos - v * sin), y = (int)Math.Floor(box.CenterY + u * sin + v * cos);
                if ((uint)x < (uint)width && (uint)y < (uint)height && allowed[y * width + x]) inside++;
            }
        return inside / (double)(n * n);
    }

    private static BoxSizeRange Validate(BoxSizeRange s)
    {
        bool ok(double lo, double hi) => lo > 0 && hi >= lo && hi <= 1;
        if (!ok(s.MinWidth, s.MaxWidth) || !ok(s.MinHeight, s.MaxHeight))
            throw new InvalidOptionException($"Box size ranges are fractions of the image side with 0 < min <= max <= 1 (got width {s.MinWidth}-{s.MaxWidth}, height {s.MinHeight}-{s.MaxHeight}).");
        return s;
    }

    /// <summary>
    /// Size ranges from support masks' bounding boxes (fractions of each mask's shorter side),
    /// widened by 10% either way so three shots do not pin every box to their exact sizes.
    /// </summary>
    public static BoxSizeRange FromSupportMasks(IEnumerable<(float[] Mask, int Height, int Width)> masks)
    {
        var ws = new List<double>();
        var hs = new List<double>();
        foreach (var (mask, height, width) in masks)
        {
            int minX = int.MaxValue, maxX = -1, minY = int.MaxValue, maxY = -1;
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                    if (mask[y * width + x] != 0)
                    {
                        minX = Math.Min(minX, x); maxX = Math.Max(maxX, x);
                        minY = Math.Min(minY, y); maxY = Math.Max(maxY, y);
                    }
            if (maxX < 0) continue;
            double side = Math.Min(height, width);
            ws.Add((maxX - minX + 1) / side);
            hs.Add((maxY - minY + 1) / side);
        }
        if (ws.Count == 0) throw new InvalidInputException("Every support mask is empty: box sizes cannot be estimated; give --box-size explicitly.");
        static double Clamp(double v) => Math.Clamp(v, 0.01, 1.0);
        return new BoxSizeRange(Clamp(ws.Min() * 0.9), Clamp(ws.Max() * 1.1), Clamp(hs.Min() * 0.9), Clamp(hs.Max() * 1.1));
    }
}
