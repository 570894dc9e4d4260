namespace AnomalyEngine.Embedding;

/// <summary>
/// AnoGen's stage-1 loss mask: the pixel mask resized bilinearly to the latent grid, then
/// <c>!= 0</c>. Bilinear with half-pixel centres and no antialiasing (torch's
/// <c>F.interpolate(mode="bilinear", align_corners=False)</c>), so any latent cell whose
/// interpolation touches a defect pixel counts: a slightly dilated mask.
/// </summary>
public static class LatentMask
{
    /// <summary>Resizes a row-major <paramref name="height"/> x <paramref name="width"/> mask (non-zero = defect) to <paramref name="outHeight"/> x <paramref name="outWidth"/> cells of 0 or 1.</summary>
    public static float[] FromPixelMask(ReadOnlySpan<float> mask, int height, int width, int outHeight, int outWidth)
    {
        if (mask.Length != height * width)
            throw new InvalidInputException($"The mask has {mask.Length} values but its stated size is {height}x{width}.");
        var result = new float[outHeight * outWidth];
        float scaleY = (float)height / outHeight, scaleX = (float)width / outWidth;
        for (int oy = 0; oy < outHeight; oy++)
        {
            var (y0, y1, wy) = Source(oy, scaleY, height);
            for (int ox = 0; ox < outWidth; ox++)
            {
                var (x0, x1, wx) = Source(ox, scaleX, width);
                // Same arithmetic as torch's upsample_bilinear2d on CPU: lerp along x, then along y.
                float top = (1 - wx) * mask[y0 * width + x0] + wx * mask[y0 * width + x1];
                float bottom = (1 - wx) * mask[y1 * width + x0] + wx * mask[y1 * width + x1];
                float value = (1 - wy) * top + wy * bottom;
                result[oy * outWidth + ox] = value != 0 ? 1f : 0f;
            }
        }
        return result;
    }

    /// <summary>
    /// Like <see cref="FromPixelMask"/>, but a defect thinner than the interpolation's sampling
    /// pitch (a hairline crack at 256 px mapped to 32 cells) can vanish entirely; then every cell
    /// the defect covers at all is used instead, and <paramref name="usedCoverage"/> says so.
    /// </summary>
    public static float[] FromPixelMaskOrCoverage(ReadOnlySpan<float> mask, int height, int width, int outHeight, int outWidth, out bool usedCoverage) =>
        OrCoverage(FromPixelMask(mask, height, width, outHeight, outWidth), mask, height, width, outHeight, outWidth, out usedCoverage);

    /// <summary><paramref name="bilinear"/> (the latent mask of <paramref name="mask"/>), or the covered cells when it lost the whole defect.</summary>
    internal static float[] OrCoverage(float[] bilinear, ReadOnlySpan<float> mask, int height, int width, int outHeight, int outWidth, out bool usedCoverage)
    {
        usedCoverage = false;
        if (bilinear.Any(v => v != 0) || !mask.ContainsAnyExcept(0f))
            return bilinear;
        usedCoverage = true;
        var covered = new float[outHeight * outWidth];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                if (mask[y * width + x] != 0)
                    covered[(int)((long)y * outHeight / height) * outWidth + (int)((long)x * outWidth / width)] = 1f;
        return covered;
    }

    // src = (dst + 0.5) * scale - 0.5, clamped at 0 (align_corners=False).
    private static (int I0, int I1, float Weight) Source(int dst, float scale, int size)
    {
        float src = MathF.Max((dst + 0.5f) * scale - 0.5f, 0f);
        int i0 = Math.Min((int)src, size - 1);
        int i1 = Math.Min(i0 + 1, size - 1);
        return (i0, i1, src - i0);
    }
}
