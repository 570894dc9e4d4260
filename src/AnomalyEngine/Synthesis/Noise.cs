using AnomalyEngine.Compute;

namespace AnomalyEngine.Synthesis;

/// <summary>
/// Value noise on a periodic lattice filled from Philox, with quintic interpolation (Perlin 2002's fade
/// 6t^5 - 15t^4 + 10t^3), its fractal sum, and cellular (Worley 1996) distances.
/// </summary>
internal sealed class Noise
{
    private const int Period = 128, PeriodMask = Period - 1, CellPeriod = 64;
    private readonly float[] lattice = new float[Period * Period];
    private readonly float[] cellX = new float[CellPeriod * CellPeriod];
    private readonly float[] cellY = new float[CellPeriod * CellPeriod];
    private readonly float offsetX, offsetY;

    public Noise(ulong key)
    {
        for (uint i = 0; i < lattice.Length; i++)
            lattice[i] = 2f * Philox.Uniform(key, 1, 0, i) - 1f;
        for (uint i = 0; i < cellX.Length; i++)
        {
            cellX[i] = Philox.Uniform(key, 2, 0, i);
            cellY[i] = Philox.Uniform(key, 3, 0, i);
        }
        offsetX = Philox.Uniform(key, 4, 0, 0) * Period;
        offsetY = Philox.Uniform(key, 4, 0, 1) * Period;
    }

    private static float Fade(float t) => t * t * t * (t * (t * 6f - 15f) + 10f);

    /// <summary>Value noise at (x, y) in lattice units, in [-1, 1].</summary>
    public float Value(float x, float y)
    {
        x += offsetX; y += offsetY;
        float fx = MathF.Floor(x), fy = MathF.Floor(y);
        int ix = (int)fx & PeriodMask, iy = (int)fy & PeriodMask;
        int ix1 = (ix + 1) & PeriodMask, iy1 = (iy + 1) & PeriodMask;
        float tx = Fade(x - fx), ty = Fade(y - fy);
        float a = lattice[iy * Period + ix], b = lattice[iy * Period + ix1];
        float c = lattice[iy1 * Period + ix], d = lattice[iy1 * Period + ix1];
        float top = a + (b - a) * tx, bottom = c + (d - c) * tx;
        return top + (bottom - top) * ty;
    }

    /// <summary>Fractal sum of <paramref name="octaves"/> octaves, frequency doubling, amplitude times <paramref name="gain"/>, normalised to about [-1, 1].</summary>
    public float Fbm(float x, float y, int octaves, float gain = 0.5f)
    {
        float sum = 0f, amp = 1f, norm = 0f, f = 1f;
        for (int o = 0; o < octaves; o++)
        {
            // A per-octave shift keeps lattice points of different octaves from lining up.
            sum += amp * Value(x * f + 17.3f * o, y * f + 31.7f * o);
            norm += amp;
            amp *= gain;
            f *= 2f;
        }
        return sum / norm;
    }

    /// <summary>Distances (in cell units) to the nearest and second-nearest cell feature point around (x, y).</summary>
    public (float F1, float F2, int Cell) Cellular(float x, float y)
    {
        float fx = MathF.Floor(x), fy = MathF.Floor(y);
        int cx = (int)fx, cy = (int)fy;
        float f1 = float.MaxValue, f2 = float.MaxValue;
        int nearest = 0;
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++)
            {
                int kx = cx + dx, ky = cy + dy;
                int idx = (ky & (CellPeriod - 1)) * CellPeriod + (kx & (CellPeriod - 1));
                float px = kx + cellX[idx] - x, py = ky + cellY[idx] - y;
                float dist = MathF.Sqrt(px * px + py * py);
                if (dist < f1) { f2 = f1; f1 = dist; nearest = idx; }
                else if (dist < f2) f2 = dist;
            }
        return (f1, f2, nearest);
    }

    /// <summary>A per-cell random value in (0, 1] for the cell index returned by <see cref="Cellular"/>.</summary>
    public float CellValue(int cell) => cellX[(cell * 7 + 3) & (CellPeriod * CellPeriod - 1)];
}
