using AnomalyEngine.Compute;
using AnomalyEngine.Imaging;

namespace AnomalyEngine.Synthesis;

/// <summary>
/// Lights a surface as a camera would see it: Lambert diffuse plus a Blinn-Phong highlight on normals
/// from the height field, an uneven illumination (tilt and vignetting), and Gaussian sensor noise.
/// Drawn once per sample so the defect and defect-free renders see the same light and the same noise.
/// </summary>
internal sealed class Lighting
{
    private readonly float lx, ly, lz, hx, hy, hz;
    private readonly float tiltX, tiltY, vignette, exposure, sigma, ambient;
    private readonly ulong noiseKey;

    public Lighting(DrawSequence d)
    {
        float azimuth = d.Range(0f, 2f * MathF.PI), elevation = d.Range(0.6f, 1.15f);
        lx = MathF.Cos(elevation) * MathF.Cos(azimuth);
        ly = MathF.Cos(elevation) * MathF.Sin(azimuth);
        lz = MathF.Sin(elevation);
        // Blinn's half vector between the light and a camera looking straight down (0, 0, 1).
        float n = MathF.Sqrt(lx * lx + ly * ly + (lz + 1f) * (lz + 1f));
        hx = lx / n; hy = ly / n; hz = (lz + 1f) / n;
        tiltX = d.Range(-0.12f, 0.12f);
        tiltY = d.Range(-0.12f, 0.12f);
        vignette = d.Range(0.05f, 0.22f);
        exposure = d.Range(0.9f, 1.08f);
        sigma = d.Range(0.006f, 0.018f);
        ambient = d.Range(0.35f, 0.5f);
        noiseKey = d.Key();
    }

    /// <summary>Renders to interleaved 8-bit RGB.</summary>
    public byte[] Render(SurfaceLayers l)
    {
        int s = l.Size;
        var rgb = new byte[s * s * 3];
        float k = l.PixelsPerUnit;
        float bandCos = MathF.Cos(l.BandAngle), bandSin = MathF.Sin(l.BandAngle);
        float[] h = l.H;
        for (int y = 0; y < s; y++)
        {
            int y0 = Math.Max(y - 1, 0), y1 = Math.Min(y + 1, s - 1);
            for (int x = 0; x < s; x++)
            {
                int i = y * s + x;
                int x0 = Math.Max(x - 1, 0), x1 = Math.Min(x + 1, s - 1);
                // Central differences, converted from per-pixel to per-reference-pixel slope.
                float dx = (h[y * s + x1] - h[y * s + x0]) / Math.Max(x1 - x0, 1) * k;
                float dy = (h[y1 * s + x] - h[y0 * s + x]) / Math.Max(y1 - y0, 1) * k;
                float inv = 1f / MathF.Sqrt(dx * dx + dy * dy + 1f);
                float nx = -dx * inv, ny = -dy * inv, nz = inv;
                float diffuse = MathF.Max(0f, nx * lx + ny * ly + nz * lz) / lz;
                float shade = ambient + (1f - ambient) * diffuse;
                float spec = l.Specular * MathF.Pow(MathF.Max(0f, nx * hx + ny * hy + nz * hz), l.Shininess);
                float u = (x + 0.5f) / s - 0.5f, v = (y + 0.5f) / s - 0.5f;
                float illum = exposure * (1f + 2f * (tiltX * u + tiltY * v) - vignette * 2f * (u * u + v * v));
                if (l.Band > 0f)
                {
                    float t = (u * bandCos + v * bandSin) / 0.25f;
                    illum *= 1f + l.Band * MathF.Exp(-t * t);
                }
                rgb[3 * i] = ImageCodec.ToByte((l.R[i] * shade + spec) * illum + sigma * Philox.Normal(noiseKey, 0, 0, (uint)i));
                rgb[3 * i + 1] = ImageCodec.ToByte((l.G[i] * shade + spec) * illum + sigma * Philox.Normal(noiseKey, 1, 0, (uint)i));
                rgb[3 * i + 2] = ImageCodec.ToByte((l.B[i] * shade + spec) * illum + sigma * Philox.Normal(noiseKey, 2, 0, (uint)i));
            }
        }
        return rgb;
    }
}
