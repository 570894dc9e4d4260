using AnomalyEngine.Imaging;

namespace AnomalyEngine.Synthesis;

/// <summary>
/// Generates photograph-like surface images with procedural defects and their exact masks.
/// A sample is a pure function of (seed, surface, defect, split, index, size): the same arguments give the same bytes.
/// </summary>
public static class SurfaceGenerator
{
    /// <summary>The smallest and largest image side accepted.</summary>
    public const int MinSize = 16, MaxSize = 2048;

    // Fewer masked pixels than this would be a speck no detector or annotator could see.
    private const int MinDefectPixels = 4;
    private const float MaxDefectFraction = 0.35f, MinChangedFraction = 0.9f;

    /// <summary>Generates sample <paramref name="index"/> of a surface, with <paramref name="defect"/> painted on it (null: a normal sample).</summary>
    public static SurfaceSample Generate(SurfaceKind surface, DefectKind? defect, int size, ulong seed, SynthSplit split, int index)
    {
        if (size is < MinSize or > MaxSize)
            throw new InvalidOptionException($"image size {size} is outside [{MinSize}, {MaxSize}]");
        if (index < 0 || index >= 1 << 24)
            throw new InvalidOptionException($"sample index {index} is outside [0, {1 << 24})");
        if (defect is not null && split == SynthSplit.Train)
            throw new InvalidOptionException("training samples are normal; generate defects in the test split");
        // Stream: which family; step: which split and which sample. Fixed numbering keeps a surface's
        // samples the same whichever other surfaces or defects a run asks for.
        uint stream = ((uint)surface << 8) | (defect is null ? 0xFFu : (uint)defect);
        uint step = ((uint)split << 24) | (uint)index;
        var draw = new DrawSequence(seed, stream, step);
        SurfaceLayers layers = SurfacePainter.Paint(surface, size, draw);
        var light = new Lighting(draw);
        byte[] background = light.Render(layers);
        if (defect is null)
            return new SurfaceSample(surface, null, size, background, new Mask(size, size), background);

        for (int attempt = 0; ; attempt++)
        {
            SurfaceLayers painted = layers.Clone();
            var mask = new byte[size * size];
            DefectPainter.Paint(defect.Value, painted, mask, draw);
            byte[] lit = light.Render(painted);
            // Outside the mask the image is the defect-free render, byte for byte: the mask is exact.
            var rgb = (byte[])background.Clone();
            int area = 0, changed = 0;
            for (int i = 0; i < mask.Length; i++)
                if (mask[i] != 0)
                {
                    area++;
                    if (lit[3 * i] != rgb[3 * i] || lit[3 * i + 1] != rgb[3 * i + 1] || lit[3 * i + 2] != rgb[3 * i + 2]) changed++;
                    rgb[3 * i] = lit[3 * i];
                    rgb[3 * i + 1] = lit[3 * i + 1];
                    rgb[3 * i + 2] = lit[3 * i + 2];
                }
            // Redraw a defect that is a speck, covers too much, or is lost in clipped highlights.
            bool fits = area >= MinDefectPixels && area <= MaxDefectFraction * size * size && changed >= MinChangedFraction * area;
            if (!fits && attempt < 16)
                continue;
            if (!fits)
                throw new InvalidOperationException($"could not place a visible {defect} on a {size}x{size} {surface} (seed {seed}, index {index})");
            return new SurfaceSample(surface, defect, size, rgb, new Mask(mask, size, size), background);
        }
    }
}
