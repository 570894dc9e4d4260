using AnomalyEngine.Compute;

namespace AnomalyEngine.Synthesis;

/// <summary>Paints the albedo and height of each surface family from noise; every parameter is drawn from the sample's sequence.</summary>
internal static class SurfacePainter
{
    public static SurfaceLayers Paint(SurfaceKind kind, int size, DrawSequence draw)
    {
        var layers = new SurfaceLayers(size);
        switch (kind)
        {
            case SurfaceKind.Wood: Wood(layers, draw); break;
            case SurfaceKind.BrushedMetal: Metal(layers, draw); break;
            case SurfaceKind.Fabric: Fabric(layers, draw); break;
            case SurfaceKind.Tile: Tile(layers, draw); break;
            case SurfaceKind.Leather: Leather(layers, draw); break;
            case SurfaceKind.Concrete: Concrete(layers, draw); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind));
        }
        return layers;
    }

    private static float Lerp(float a, float b, float t) => a + (b - a) * t;

    private static float SmoothStep(float e0, float e1, float x)
    {
        float t = Math.Clamp((x - e0) / (e1 - e0), 0f, 1f);
        return t * t * (3f - 2f * t);
    }

    /// <summary>Reference coordinates of pixel i's centre.</summary>
    private static (float X, float Y) At(SurfaceLayers l, int i)
    {
        float inv = 1f / l.PixelsPerUnit;
        return ((i % l.Size + 0.5f) * inv, (i / l.Size + 0.5f) * inv);
    }

    private static (float R, float G, float B) Pick(DrawSequence d, (float, float, float)[] palette, float jitter)
    {
        var (r, g, b) = palette[d.Int(palette.Length)];
        float lum = d.Range(1f - jitter, 1f + jitter);
        return (r * lum * d.Range(0.97f, 1.03f), g * lum, b * lum * d.Range(0.97f, 1.03f));
    }

    private static void Wood(SurfaceLayers l, DrawSequence d)
    {
        float t = d.Uniform();
        float br = Lerp(0.80f, 0.46f, t), bg = Lerp(0.62f, 0.29f, t), bb = Lerp(0.42f, 0.16f, t);
        float angle = d.Range(-0.35f, 0.35f), cos = MathF.Cos(angle), sin = MathF.Sin(angle);
        float period = d.Range(5f, 11f), warpAmp = d.Range(2f, 6f), contrast = d.Range(0.22f, 0.4f);
        var warp = new Noise(d.Key());
        var grain = new Noise(d.Key());
        for (int i = 0; i < l.H.Length; i++)
        {
            var (x, y) = At(l, i);
            float a = x * cos + y * sin, b = -x * sin + y * cos;
            float w = warp.Fbm(a / 40f, b / 12f, 3) * warpAmp;
            float ring = 0.5f + 0.5f * MathF.Sin(2f * MathF.PI * (b + w) / period);
            float late = ring * ring * ring * ring;
            float fine = grain.Fbm(a / 20f, b / 0.9f, 2);
            float f = 1f - contrast * late - 0.08f * fine;
            l.SetAlbedo(i, br * f, bg * f, bb * f);
            l.H[i] = 0.25f * late + 0.15f * fine;
        }
        l.Specular = 0.06f; l.Shininess = 20f;
    }

    private static void Metal(SurfaceLayers l, DrawSequence d)
    {
        float g = d.Range(0.42f, 0.64f);
        float br = g * d.Range(0.97f, 1.0f), bg = g, bb = g * d.Range(1.0f, 1.05f);
        float angle = d.Range(-0.2f, 0.2f) + (d.Chance(0.5f) ? MathF.PI / 2 : 0f), cos = MathF.Cos(angle), sin = MathF.Sin(angle);
        var streaks = new Noise(d.Key());
        var coarse = new Noise(d.Key());
        float streakGain = d.Range(0.08f, 0.16f);
        for (int i = 0; i < l.H.Length; i++)
        {
            var (x, y) = At(l, i);
            float a = x * cos + y * sin, b = -x * sin + y * cos;
            float s = streaks.Fbm(a / 30f, b / 0.6f, 3);
            float c = coarse.Fbm(x / 20f, y / 20f, 3);
            float f = 1f + streakGain * s + 0.06f * c;
            l.SetAlbedo(i, br * f, bg * f, bb * f);
            l.H[i] = 0.12f * s;
        }
        l.Specular = 0.22f; l.Shininess = 10f;
        l.Band = d.Range(0.1f, 0.25f);
        l.BandAngle = angle + MathF.PI / 2;
    }

    private static readonly (float, float, float)[] FabricColours =
    [
        (0.75f, 0.72f, 0.66f), (0.30f, 0.36f, 0.55f), (0.55f, 0.22f, 0.20f), (0.35f, 0.45f, 0.30f),
        (0.80f, 0.70f, 0.45f), (0.45f, 0.45f, 0.48f),
    ];

    private static void Fabric(SurfaceLayers l, DrawSequence d)
    {
        var (cr, cg, cb) = Pick(d, FabricColours, 0.1f);
        float weft = d.Range(0.82f, 1.0f);
        float period = d.Range(3.2f, 5.5f);
        float angle = d.Range(-0.1f, 0.1f), cos = MathF.Cos(angle), sin = MathF.Sin(angle);
        var jitter = new Noise(d.Key());
        var fibre = new Noise(d.Key());
        for (int i = 0; i < l.H.Length; i++)
        {
            var (x, y) = At(l, i);
            float a = x * cos + y * sin + 0.6f * jitter.Fbm(x / 16f, y / 16f, 2);
            float b = -x * sin + y * cos + 0.6f * jitter.Fbm(x / 16f + 50f, y / 16f, 2);
            float ua = a / period, ub = b / period;
            float fa = ua - MathF.Floor(ua), fb = ub - MathF.Floor(ub);
            bool warpOnTop = (((int)MathF.Floor(ua) + (int)MathF.Floor(ub)) & 1) == 0;
            float h, fib, tone;
            if (warpOnTop)
            {
                h = MathF.Sqrt(MathF.Sin(MathF.PI * fa)) * (0.7f + 0.3f * MathF.Sin(MathF.PI * fb));
                fib = fibre.Fbm(a / 0.5f, b / 2f, 2);
                tone = 1f;
            }
            else
            {
                h = MathF.Sqrt(MathF.Sin(MathF.PI * fb)) * (0.7f + 0.3f * MathF.Sin(MathF.PI * fa));
                fib = fibre.Fbm(a / 2f, b / 0.5f, 2);
                tone = weft;
            }
            float f = tone * (0.55f + 0.45f * h) * (1f + 0.1f * fib);
            l.SetAlbedo(i, cr * f, cg * f, cb * f);
            l.H[i] = 0.9f * h + 0.1f * fib;
        }
        l.Specular = 0.03f; l.Shininess = 8f;
    }

    private static readonly (float, float, float)[] TileColours =
    [
        (0.88f, 0.87f, 0.84f), (0.72f, 0.40f, 0.28f), (0.45f, 0.55f, 0.62f), (0.80f, 0.74f, 0.60f), (0.30f, 0.32f, 0.34f),
    ];

    private static void Tile(SurfaceLayers l, DrawSequence d)
    {
        var (tr, tg, tb) = Pick(d, TileColours, 0.06f);
        float grout = d.Range(0.4f, 0.6f);
        float period = d.Range(12f, 22f), groutHalf = d.Range(0.5f, 1.0f);
        float ox = d.Range(0f, period), oy = d.Range(0f, period);
        bool bond = d.Chance(0.4f);
        ulong tileKey = d.Key();
        var glaze = new Noise(d.Key());
        var sand = new Noise(d.Key());
        for (int i = 0; i < l.H.Length; i++)
        {
            var (x, y) = At(l, i);
            float ry = (y + oy) / period;
            int row = (int)MathF.Floor(ry);
            float rx = (x + ox + (bond && (row & 1) != 0 ? period / 2 : 0f)) / period;
            int col = (int)MathF.Floor(rx);
            float fx = rx - col, fy = ry - row;
            float edge = MathF.Min(MathF.Min(fx, 1f - fx), MathF.Min(fy, 1f - fy)) * period;
            if (edge > groutHalf)
            {
                float tone = 0.92f + 0.16f * Philox.Uniform(tileKey, 0, (uint)row, (uint)col);
                float f = tone * (1f + 0.05f * glaze.Fbm(x / 10f, y / 10f, 3));
                l.SetAlbedo(i, tr * f, tg * f, tb * f);
                l.H[i] = 0.5f + 0.6f * SmoothStep(groutHalf, groutHalf + 1.5f, edge);
            }
            else
            {
                float f = grout * (1f + 0.18f * sand.Fbm(x / 0.8f, y / 0.8f, 2));
                l.SetAlbedo(i, f, f * 0.98f, f * 0.95f);
                l.H[i] = 0.2f * sand.Fbm(x / 0.8f, y / 0.8f, 1);
            }
        }
        l.Specular = 0.15f; l.Shininess = 30f;
    }

    private static readonly (float, float, float)[] LeatherColours =
    [
        (0.45f, 0.28f, 0.17f), (0.16f, 0.14f, 0.13f), (0.70f, 0.52f, 0.34f), (0.40f, 0.14f, 0.12f), (0.30f, 0.22f, 0.16f),
    ];

    private static void Leather(SurfaceLayers l, DrawSequence d)
    {
        var (cr, cg, cb) = Pick(d, LeatherColours, 0.1f);
        float cell = d.Range(2.5f, 4.5f);
        var grain = new Noise(d.Key());
        var warp = new Noise(d.Key());
        for (int i = 0; i < l.H.Length; i++)
        {
            var (x, y) = At(l, i);
            float wx = 0.35f * warp.Fbm(x / 8f, y / 8f, 2), wy = 0.35f * warp.Fbm(x / 8f + 40f, y / 8f, 2);
            var (f1, f2, _) = grain.Cellular(x / cell + wx, y / cell + wy);
            float crease = 1f - SmoothStep(0f, 0.2f, f2 - f1);
            float mottle = warp.Fbm(x / 14f, y / 14f, 3);
            float f = (1f - 0.3f * crease) * (1f + 0.1f * mottle);
            l.SetAlbedo(i, cr * f, cg * f, cb * f);
            l.H[i] = -0.6f * crease + 0.3f * (1f - f1);
        }
        l.Specular = 0.08f; l.Shininess = 14f;
    }

    private static void Concrete(SurfaceLayers l, DrawSequence d)
    {
        float g = d.Range(0.5f, 0.68f);
        float br = g * d.Range(1.0f, 1.04f), bg = g, bb = g * d.Range(0.94f, 1.0f);
        var mottle = new Noise(d.Key());
        var fine = new Noise(d.Key());
        var aggregate = new Noise(d.Key());
        for (int i = 0; i < l.H.Length; i++)
        {
            var (x, y) = At(l, i);
            float m = mottle.Fbm(x / 20f, y / 20f, 4);
            float f = fine.Fbm(x / 1.2f, y / 1.2f, 2);
            float tone = 1f + 0.12f * m + 0.08f * f;
            float h = 0.3f * m + 0.15f * f;
            var (f1, _, c) = aggregate.Cellular(x / 3f, y / 3f);
            float v = aggregate.CellValue(c);
            if (v < 0.12f && f1 < 0.22f)
            {
                // Small air pores: darker and recessed.
                tone *= 0.55f + 0.45f * f1 / 0.22f;
                h -= 0.6f * (1f - f1 / 0.22f);
            }
            else if (v > 0.8f && f1 < 0.35f)
            {
                tone *= 1.12f;
            }
            l.SetAlbedo(i, br * tone, bg * tone, bb * tone);
            l.H[i] = h;
        }
        l.Specular = 0.03f; l.Shininess = 8f;
    }
}
