using AnomalyEngine.Generation;

namespace AnomalyEngine.Tests.Generation;

public class ForegroundMaskTests
{
    // Otsu's other, equivalent definition: minimise the within-class variance w0·σ0² + w1·σ1².
    private static int MinWithinClassVariance(byte[] grey)
    {
        double best = double.MaxValue; int arg = 0;
        for (int t = 0; t < 256; t++)
        {
            var lo = grey.Where(g => g <= t).Select(g => (double)g).ToArray();
            var hi = grey.Where(g => g > t).Select(g => (double)g).ToArray();
            if (lo.Length == 0 || hi.Length == 0) continue;
            double Var(double[] a) { double m = a.Average(); return a.Sum(v => (v - m) * (v - m)) / a.Length; }
            double within = lo.Length * Var(lo) + hi.Length * Var(hi);
            if (within < best - 1e-9) { best = within; arg = t; }
        }
        return arg;
    }

    [Fact]
    public void Otsu_threshold_minimises_within_class_variance()
    {
        var rng = new Random(4);
        for (int trial = 0; trial < 5; trial++)
        {
            var grey = Enumerable.Range(0, 400).Select(i => (byte)(i % 3 == 0 ? rng.Next(20, 90) : rng.Next(140, 230))).ToArray();
            Assert.Equal(MinWithinClassVariance(grey), ForegroundMask.OtsuThreshold(grey));
        }
    }

    [Fact]
    public void Two_level_image_thresholds_at_the_lower_level()
    {
        // Every t in [50, 199] separates the levels equally well; the first maximum is 50.
        var grey = Enumerable.Range(0, 100).Select(i => (byte)(i < 30 ? 50 : 200)).ToArray();
        Assert.Equal(50, ForegroundMask.OtsuThreshold(grey));
    }

    [Fact]
    public void Ellipse_15_has_OpenCV_rows()
    {
        var e = ForegroundMask.Ellipse(15);
        int Width(int row) => Enumerable.Range(0, 15).Count(j => e[row, j]);
        // Row i spans 2·round(7·sqrt(1 − (i−7)²/49)) + 1 cells: rows 0, 1, 2, 7 by hand.
        Assert.Equal(1, Width(0));
        Assert.Equal(9, Width(1));   // round(7·sqrt(13)/7) = round(3.61) = 4
        Assert.Equal(11, Width(2));  // round(sqrt(24)) = round(4.90) = 5
        Assert.Equal(15, Width(7));
        Assert.True(e[0, 7]);
        Assert.False(e[0, 6]);
    }

    [Fact]
    public void Dark_object_on_a_bright_background_is_the_foreground_and_small_holes_close()
    {
        int h = 60, w = 60;
        var grey = new byte[h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                bool inDisc = (x - 30) * (x - 30) + (y - 30) * (y - 30) <= 20 * 20;
                bool inHole = (x - 30) * (x - 30) + (y - 30) * (y - 30) <= 2 * 2;
                grey[y * w + x] = (byte)(inDisc && !inHole ? 40 : 220);
            }
        var fg = ForegroundMask.FromGrey(grey, h, w);
        Assert.True(fg[30 * w + 30]);   // the hole is closed
        Assert.True(fg[30 * w + 45]);   // inside the disc
        Assert.False(fg[2 * w + 2]);    // background corner
        Assert.False(fg[30 * w + 55]);  // background beside the disc
    }
}

public class ClosingTests
{
    // Closing by definition, pixel by pixel over every element offset (the slow way).
    private static bool[] BruteClose(bool[] m, int h, int w, bool[,] e)
    {
        bool[] Pass(bool[] src, bool dilate)
        {
            var dst = new bool[src.Length];
            int r = e.GetLength(0) / 2;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    bool v = !dilate;
                    for (int i = 0; i < e.GetLength(0); i++)
                        for (int j = 0; j < e.GetLength(1); j++)
                        {
                            if (!e[i, j]) continue;
                            int yy = y + i - r, xx = x + j - r;
                            if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                            if (dilate && src[yy * w + xx]) v = true;
                            if (!dilate && !src[yy * w + xx]) v = false;
                        }
                    dst[y * w + x] = v;
                }
            return dst;
        }
        return Pass(Pass(m, true), false);
    }

    [Fact]
    public void Run_based_closing_equals_the_definition()
    {
        var rng = new Random(7);
        int h = 41, w = 53;
        var mask = Enumerable.Range(0, h * w).Select(_ => rng.NextDouble() < 0.3).ToArray();
        foreach (int size in new[] { 3, 7, 15 })
        {
            var e = ForegroundMask.Ellipse(size);
            Assert.Equal(BruteClose(mask, h, w, e), ForegroundMask.Close(mask, h, w, e));
        }
    }
}
