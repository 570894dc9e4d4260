using AnomalyEngine.Compute;

namespace AnomalyEngine.Detection.Synthesis;

/// <summary>
/// 2-D gradient (Perlin) noise on a lattice of resY x resX cells spanning the image: unit gradients
/// at the (resY+1) x (resX+1) lattice points with Philox angles, quintic fade 6t^5 - 15t^4 + 10t^3,
/// scaled by sqrt(2) as DRAEM's rand_perlin_2d_np (whose inner lerp mixes up the two axes; this one does not).
/// </summary>
internal sealed class PerlinNoise
{
    private readonly float[] _gx, _gy;
    private readonly int _resY, _resX;

    internal PerlinNoise(int resY, int resX, ulong seed, uint stream, uint step)
    {
        _resY = resY;
        _resX = resX;
        int n = (resY + 1) * (resX + 1);
        _gx = new float[n];
        _gy = new float[n];
        for (int i = 0; i < n; i++)
        {
            float angle = 2f * MathF.PI * Philox.Uniform(seed, stream, step, (uint)(16 + i));
            _gx[i] = MathF.Cos(angle);
            _gy[i] = MathF.Sin(angle);
        }
    }

    /// <summary>The noise at lattice coordinates (u, v), 0 &lt;= u &lt;= resY, 0 &lt;= v &lt;= resX.</summary>
    internal float Sample(float u, float v)
    {
        int i = Math.Min((int)u, _resY - 1), j = Math.Min((int)v, _resX - 1);
        float fu = u - i, fv = v - j;
        float n00 = Corner(i, j, fu, fv), n10 = Corner(i + 1, j, fu - 1, fv);
        float n01 = Corner(i, j + 1, fu, fv - 1), n11 = Corner(i + 1, j + 1, fu - 1, fv - 1);
        float tu = Fade(fu), tv = Fade(fv);
        float a = n00 + tu * (n10 - n00), b = n01 + tu * (n11 - n01);
        return MathF.Sqrt(2f) * (a + tv * (b - a));
    }

    private float Corner(int i, int j, float du, float dv)
    {
        int k = i * (_resX + 1) + j;
        return _gx[k] * du + _gy[k] * dv;
    }

    internal static float Fade(float t) => t * t * t * (t * (t * 6 - 15) + 10);
}
