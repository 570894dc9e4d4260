namespace AnomalyEngine.Synthesis;

/// <summary>
/// Paints one defect into a copy of a surface's layers and marks exactly the pixels it paints.
/// Shapes are drawn in reference pixels and tested at pixel centres, in pixel units.
/// </summary>
internal static class DefectPainter
{
    /// <summary>The narrowest half-width of a stroke, in pixels: wide enough that a line of any direction has no gaps.</summary>
    private const float MinHalfWidth = 0.6f;

    public static void Paint(DefectKind kind, SurfaceLayers l, byte[] mask, DrawSequence d)
    {
        switch (kind)
        {
            case DefectKind.Scratch: Scratch(l, mask, d); break;
            case DefectKind.Crack: Crack(l, mask, d); break;
            case DefectKind.Hole: Hole(l, mask, d); break;
            case DefectKind.Stain: Stain(l, mask, d); break;
            case DefectKind.Contamination: Contamination(l, mask, d); break;
            case DefectKind.Crease: Crease(l, mask, d); break;
            case DefectKind.Missing: Missing(l, mask, d); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    private static float MeanLuminance(SurfaceLayers l)
    {
        float mean = 0f;
        for (int i = 0; i < l.H.Length; i++) mean += l.Luminance(i);
        return mean / l.H.Length;
    }

    private static (float X, float Y) Centre(SurfaceLayers l, DrawSequence d)
    {
        float k = l.PixelsPerUnit;
        return (d.Range(14f, 50f) * k, d.Range(14f, 50f) * k);
    }

    /// <summary>Distance from (px, py) to a polyline and the arc-length fraction (0..1) of the nearest point.</summary>
    private static (float Dist, float T) Nearest(List<(float X, float Y)> pts, float[] cumulative, float px, float py)
    {
        float best = float.MaxValue, bestT = 0f;
        for (int s = 0; s + 1 < pts.Count; s++)
        {
            var (ax, ay) = pts[s];
            var (bx, by) = pts[s + 1];
            float ex = bx - ax, ey = by - ay, len2 = ex * ex + ey * ey;
            float t = len2 > 0f ? Math.Clamp(((px - ax) * ex + (py - ay) * ey) / len2, 0f, 1f) : 0f;
            float qx = ax + t * ex - px, qy = ay + t * ey - py;
            float dist = MathF.Sqrt(qx * qx + qy * qy);
            if (dist < best)
            {
                best = dist;
                bestT = cumulative[s] + t * (cumulative[s + 1] - cumulative[s]);
            }
        }
        return (best, bestT);
    }

    private static float[] ArcFractions(List<(float X, float Y)> pts)
    {
        var c = new float[pts.Count];
        for (int i = 1; i < pts.Count; i++)
            c[i] = c[i - 1] + MathF.Sqrt(MathF.Pow(pts[i].X - pts[i - 1].X, 2) + MathF.Pow(pts[i].Y - pts[i - 1].Y, 2));
        float total = Math.Max(c[^1], 1e-6f);
        for (int i = 0; i < c.Length; i++) c[i] /= total;
        return c;
    }

    /// <summary>Calls <paramref name="paint"/>(pixel, distance, arc fraction) for every pixel within the stroke's half-width.</summary>
    private static void Stroke(SurfaceLayers l, byte[] mask, List<(float X, float Y)> pts, Func<float, float> halfWidth, Action<int, float, float> paint)
    {
        int s = l.Size;
        float[] cum = ArcFractions(pts);
        float maxW = 0f;
        for (int i = 0; i <= 16; i++) maxW = MathF.Max(maxW, halfWidth(i / 16f));
        float minX = pts.Min(p => p.X) - maxW - 1, maxX = pts.Max(p => p.X) + maxW + 1;
        float minY = pts.Min(p => p.Y) - maxW - 1, maxY = pts.Max(p => p.Y) + maxW + 1;
        for (int y = Math.Max(0, (int)minY); y < Math.Min(s, (int)maxY + 1); y++)
            for (int x = Math.Max(0, (int)minX); x < Math.Min(s, (int)maxX + 1); x++)
            {
                var (dist, t) = Nearest(pts, cum, x + 0.5f, y + 0.5f);
                float w = halfWidth(t);
                if (dist <= w)
                {
                    int i = y * s + x;
                    mask[i] = 1;
                    paint(i, dist / w, t);
                }
            }
    }

    private static void Scratch(SurfaceLayers l, byte[] mask, DrawSequence d)
    {
        float k = l.PixelsPerUnit;
        var (cx, cy) = Centre(l, d);
        float len = d.Range(14f, 40f) * k, angle = d.Range(0f, MathF.PI);
        float ux = MathF.Cos(angle), uy = MathF.Sin(angle), bend = d.Range(-0.3f, 0.3f) * len;
        // A quadratic Bezier from p0 to p2 bent towards p1.
        float p0x = cx - ux * len / 2, p0y = cy - uy * len / 2, p2x = cx + ux * len / 2, p2y = cy + uy * len / 2;
        float p1x = cx - uy * bend, p1y = cy + ux * bend;
        var pts = new List<(float, float)>();
        for (int i = 0; i <= 32; i++)
        {
            float t = i / 32f, a = (1 - t) * (1 - t), b = 2 * (1 - t) * t, c = t * t;
            pts.Add((a * p0x + b * p1x + c * p2x, a * p0y + b * p1y + c * p2y));
        }
        float hw = MathF.Max(MinHalfWidth, d.Range(0.4f, 0.9f) * k);
        // A bright scratch on an already bright surface would saturate to the same white.
        bool bright = d.Chance(0.5f) && MeanLuminance(l) < 0.5f;
        float strength = d.Range(0.5f, 0.8f);
        Stroke(l, mask, pts, _ => hw, (i, r, _) =>
        {
            if (bright)
            {
                l.R[i] += (1f - l.R[i]) * strength * 0.7f; l.G[i] += (1f - l.G[i]) * strength * 0.7f; l.B[i] += (1f - l.B[i]) * strength * 0.7f;
            }
            else
            {
                l.ScaleAlbedo(i, 1f - strength * 0.6f);
            }
            l.H[i] -= 0.5f * (1f - r);
        });
    }

    private static List<(float, float)> Walk(float x, float y, float angle, int steps, float step, float wiggle, DrawSequence d)
    {
        var pts = new List<(float, float)> { (x, y) };
        for (int i = 0; i < steps; i++)
        {
            angle += wiggle * d.Normal();
            x += step * MathF.Cos(angle);
            y += step * MathF.Sin(angle);
            pts.Add((x, y));
        }
        return pts;
    }

    private static void Crack(SurfaceLayers l, byte[] mask, DrawSequence d)
    {
        float k = l.PixelsPerUnit;
        var (cx, cy) = Centre(l, d);
        float angle = d.Range(0f, 2f * MathF.PI);
        int steps = 10 + d.Int(9);
        float step = 2.2f * k;
        // Start half a crack-length back so the crack is centred on (cx, cy).
        float sx = cx - MathF.Cos(angle) * steps * step / 2, sy = cy - MathF.Sin(angle) * steps * step / 2;
        var main = Walk(sx, sy, angle, steps, step, 0.45f, d);
        float width = d.Range(0.6f, 1.2f) * k, dark = d.Range(0.18f, 0.32f);
        void Paint(int i, float r, float t)
        {
            l.ScaleAlbedo(i, dark + (1f - dark) * 0.3f * r);
            l.H[i] -= 0.8f * (1f - r);
        }
        Stroke(l, mask, main, t => MathF.Max(MinHalfWidth, width * (1f - 0.5f * t)), Paint);
        if (d.Chance(0.5f))
        {
            var (bx, by) = main[main.Count / 3 + d.Int(main.Count / 3)];
            float turn = d.Range(0.6f, 1.2f) * (d.Chance(0.5f) ? 1 : -1);
            var branch = Walk(bx, by, angle + turn, 5 + d.Int(5), step, 0.45f, d);
            Stroke(l, mask, branch, t => MathF.Max(MinHalfWidth, 0.6f * width * (1f - 0.5f * t)), Paint);
        }
    }

    private static void Hole(SurfaceLayers l, byte[] mask, DrawSequence d)
    {
        float k = l.PixelsPerUnit;
        var (cx, cy) = Centre(l, d);
        float r0 = d.Range(2.5f, 6f) * k, aspect = d.Range(0.75f, 1.0f), rot = d.Range(0f, MathF.PI);
        float lobeAmp = d.Range(0.04f, 0.16f), lobePhase = d.Range(0f, 2f * MathF.PI);
        int lobes = 2 + d.Int(3);
        float depth = d.Range(0.8f, 1.6f), floor = d.Range(0.08f, 0.18f);
        Blob(l, mask, cx, cy, r0 / aspect, r0, rot, theta => 1f + lobeAmp * MathF.Sin(lobes * theta + lobePhase), (i, s) =>
        {
            // A bowl: dark at the bottom, the wall catching light through the height gradient.
            l.ScaleAlbedo(i, floor + 0.35f * s * s * s);
            l.H[i] -= depth * (1f - s * s) * r0 / k * 0.4f;
        });
    }

    /// <summary>Paints pixels inside a rotated ellipse whose radius is scaled by <paramref name="radius"/>(angle); paint gets the normalised radius s in [0, 1).</summary>
    private static void Blob(SurfaceLayers l, byte[] mask, float cx, float cy, float ra, float rb, float rot, Func<float, float> radius, Action<int, float> paint)
    {
        int s = l.Size;
        float c = MathF.Cos(rot), sn = MathF.Sin(rot), reach = MathF.Max(ra, rb) * 1.6f + 1f;
        for (int y = Math.Max(0, (int)(cy - reach)); y < Math.Min(s, (int)(cy + reach) + 1); y++)
            for (int x = Math.Max(0, (int)(cx - reach)); x < Math.Min(s, (int)(cx + reach) + 1); x++)
            {
                float px = x + 0.5f - cx, py = y + 0.5f - cy;
                float a = (px * c + py * sn) / ra, b = (-px * sn + py * c) / rb;
                float rho = MathF.Sqrt(a * a + b * b), limit = radius(MathF.Atan2(b, a));
                if (rho < limit)
                {
                    int i = y * s + x;
                    mask[i] = 1;
                    paint(i, rho / limit);
                }
            }
    }

    private static readonly (float, float, float)[] StainTints =
    [
        (0.62f, 0.42f, 0.22f), (0.45f, 0.45f, 0.47f), (0.95f, 0.82f, 0.40f), (0.42f, 0.52f, 0.85f), (0.85f, 0.40f, 0.35f),
    ];

    private static void Stain(SurfaceLayers l, byte[] mask, DrawSequence d)
    {
        float k = l.PixelsPerUnit;
        var (cx, cy) = Centre(l, d);
        float r0 = d.Range(4f, 10f) * k, aspect = d.Range(0.6f, 1.0f), rot = d.Range(0f, MathF.PI);
        var (tr, tg, tb) = StainTints[d.Int(StainTints.Length)];
        float alpha = d.Range(0.5f, 0.8f);
        var edge = new Noise(d.Key());
        float phase = d.Range(0f, 100f);
        Blob(l, mask, cx, cy, r0, r0 * aspect, rot, theta => 0.8f + 0.35f * edge.Fbm(MathF.Cos(theta) * 1.5f + phase, MathF.Sin(theta) * 1.5f, 3), (i, s) =>
        {
            // Pigment gathers at the rim as the liquid dries (the coffee-ring effect).
            float a = alpha * (0.7f + 0.3f * s * s * s * s);
            l.R[i] *= 1f - a + a * tr; l.G[i] *= 1f - a + a * tg; l.B[i] *= 1f - a + a * tb;
        });
    }

    private static void Contamination(SurfaceLayers l, byte[] mask, DrawSequence d)
    {
        float k = l.PixelsPerUnit;
        var (cx, cy) = Centre(l, d);
        int count = 3 + d.Int(6);
        float spread = d.Range(3f, 7f) * k;
        int colour = d.Int(3);
        if (colour == 1 && MeanLuminance(l) > 0.5f) colour = 0;
        var (pr, pg, pb) = colour switch
        {
            0 => (0.1f, 0.09f, 0.08f),
            1 => (0.92f, 0.9f, 0.85f),
            _ => (0.5f, 0.26f, 0.1f),
        };
        for (int p = 0; p < count; p++)
        {
            float x = cx + spread * d.Normal() * 0.6f, y = cy + spread * d.Normal() * 0.6f;
            float tone = d.Range(0.85f, 1.15f);
            void Paint(int i, float r)
            {
                l.SetAlbedo(i, pr * tone, pg * tone, pb * tone);
                l.H[i] += 0.5f * (1f - r * r);
            }
            if (d.Chance(0.3f))
            {
                // A fibre: a short thin curved strand.
                float len = d.Range(3f, 7f) * k;
                var strand = Walk(x, y, d.Range(0f, 2f * MathF.PI), 4, len / 4, 0.35f, d);
                Stroke(l, mask, strand, _ => MinHalfWidth, (i, r, _) => Paint(i, r));
            }
            else
            {
                float r = MathF.Max(0.75f, d.Range(0.6f, 1.8f) * k);
                Blob(l, mask, x, y, r, r, 0f, _ => 1f, Paint);
            }
        }
    }

    private static void Crease(SurfaceLayers l, byte[] mask, DrawSequence d)
    {
        int s = l.Size;
        float k = l.PixelsPerUnit;
        var (cx, cy) = Centre(l, d);
        float angle = d.Range(0f, MathF.PI), ux = MathF.Cos(angle), uy = MathF.Sin(angle);
        float half = d.Range(12f, 28f) * k, width = MathF.Max(1.2f, d.Range(1.2f, 2.4f) * k);
        float amp = d.Range(0.8f, 1.4f) * (d.Chance(0.5f) ? 1f : -1f), dark = d.Range(0.8f, 0.9f);
        float bend = d.Range(-0.15f, 0.15f);
        for (int y = 0; y < s; y++)
            for (int x = 0; x < s; x++)
            {
                float px = x + 0.5f - cx, py = y + 0.5f - cy;
                float along = px * ux + py * uy;
                if (MathF.Abs(along) >= half) continue;
                // A slightly bowed fold line; the band narrows to nothing at the ends.
                float across = -px * uy + py * ux - bend * along * along / half;
                float taper = 1f - (along / half) * (along / half);
                float w = MathF.Max(MinHalfWidth, width * MathF.Sqrt(taper));
                if (MathF.Abs(across) > w) continue;
                int i = y * s + x;
                mask[i] = 1;
                float r = MathF.Abs(across) / w;
                l.H[i] += amp * (1f - r) * taper * width / k;
                l.ScaleAlbedo(i, dark + (1f - dark) * r);
            }
    }

    private static void Missing(SurfaceLayers l, byte[] mask, DrawSequence d)
    {
        float k = l.PixelsPerUnit;
        var (cx, cy) = Centre(l, d);
        float r0 = d.Range(3f, 8f) * k;
        int corners = 5 + d.Int(4);
        var radii = new float[corners];
        for (int c = 0; c < corners; c++) radii[c] = d.Range(0.6f, 1.2f);
        float rot = d.Range(0f, 2f * MathF.PI);
        var torn = new Noise(d.Key());
        float backing = MeanLuminance(l) > 0.4f ? d.Range(0.1f, 0.2f) : d.Range(0.75f, 0.9f);
        var fibres = new Noise(d.Key());
        Blob(l, mask, cx, cy, r0, r0, rot, theta =>
        {
            // A polygon in polar form (radius interpolated between corners), roughened like a torn edge.
            float u = (theta + MathF.PI) / (2f * MathF.PI) * corners;
            int c0 = (int)MathF.Floor(u) % corners, c1 = (c0 + 1) % corners;
            float f = u - MathF.Floor(u);
            return radii[c0] + (radii[c1] - radii[c0]) * f + 0.12f * torn.Value(theta * 4f, 0.5f);
        }, (i, s) =>
        {
            float v = backing * (1f + 0.08f * fibres.Fbm(i % l.Size / k, i / l.Size / k, 2));
            l.SetAlbedo(i, v, v * 0.98f, v * 0.95f);
            l.H[i] = l.H[i] * 0.2f - 0.8f;
        });
    }
}
