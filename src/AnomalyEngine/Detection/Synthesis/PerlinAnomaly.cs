using AnomalyEngine.Compute;
using AnomalyEngine.Imaging;

namespace AnomalyEngine.Detection.Synthesis;

/// <summary>Where the anomaly's appearance comes from (DRAEM: DTD textures; here the procedural surfaces or any images).</summary>
public interface ITextureSource
{
    /// <summary>A texture of the given size (channels 1 or 3, values 0..1) for sample <paramref name="item"/>, deterministic in (seed, item).</summary>
    ImageTensor Texture(int height, int width, ulong seed, long item);
}

/// <summary>Textures picked (Philox, by item) from a fixed list of images and resized bilinearly.</summary>
public sealed class ImageTextureSource : ITextureSource
{
    private readonly IReadOnlyList<ImageTensor> _images;

    /// <summary>Uses <paramref name="images"/> (at least one) as textures.</summary>
    public ImageTextureSource(IReadOnlyList<ImageTensor> images)
    {
        if (images.Count == 0)
            throw new InvalidInputException("The texture source needs at least one image.");
        foreach (var image in images)
            DetectionInput.Validate(image);
        _images = images;
    }

    /// <inheritdoc />
    public ImageTensor Texture(int height, int width, ulong seed, long item)
    {
        var image = _images[(int)(Philox.Bits64(seed, PerlinAnomaly.TextureStream, (uint)item, (uint)(item >> 32)) % (ulong)_images.Count)];
        if (image.Height == height && image.Width == width)
            return image;
        return new ImageTensor(PatchFeatures.ResizeBilinear(image.Data, image.Channels, image.Height, image.Width, height, width), image.Channels, height, width);
    }
}

/// <summary>One synthetic anomaly: the blended image, its binary mask (height x width, 0 or 1) and the draws.</summary>
public sealed record PerlinSample(ImageTensor Image, float[] Mask, float Beta, int ScaleY, int ScaleX, float AngleDegrees);

/// <summary>
/// DRAEM's Perlin anomalies (Zavrtanik et al., ICCV 2021, reference code): Perlin noise with
/// 2^a x 2^b lattice cells (a, b ~ U{0..5}), rotated by U(-90, 90) degrees (outside the rotated
/// field counts as 0), thresholded at 0.5 into M; beta ~ U[0, 0.8);
/// I_a = (1 - M) I + (1 - beta) M A + beta M I with A a texture.
/// </summary>
public static class PerlinAnomaly
{
    internal const uint NoiseStream = 0x5045524C, TextureStream = 0x54455854; // "PERL", "TEXT"

    /// <summary>Synthesises anomaly number <paramref name="item"/> on <paramref name="image"/>; same (seed, item) → same result.</summary>
    public static PerlinSample Synthesize(ImageTensor image, ITextureSource textures, ulong seed, long item)
    {
        DetectionInput.Validate(image);
        int h = image.Height, w = image.Width, plane = h * w;
        uint step = (uint)item, hi = (uint)(item >> 32);
        // Element slots 0..3 of this (stream, step) are the scalar draws; the lattice angles start at 16.
        int a = (int)(Philox.Bits64(seed, NoiseStream ^ hi, step, 0) % 6);
        int b = (int)(Philox.Bits64(seed, NoiseStream ^ hi, step, 1) % 6);
        float angle = -90f + 180f * (1f - Philox.Uniform(seed, NoiseStream ^ hi, step, 2)); // Uniform is (0, 1]
        float beta = 0.8f * (1f - Philox.Uniform(seed, NoiseStream ^ hi, step, 3));         // [0, 0.8)
        int resY = 1 << a, resX = 1 << b;
        var noise = new PerlinNoise(resY, resX, seed, NoiseStream ^ hi, step);

        var mask = new float[plane];
        float cos = MathF.Cos(angle * MathF.PI / 180f), sin = MathF.Sin(angle * MathF.PI / 180f);
        float cy = (h - 1) / 2f, cx = (w - 1) / 2f;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                // Sample the unrotated field at the pixel rotated back about the centre.
                float dy = y - cy, dx = x - cx;
                float sy = cy + cos * dy - sin * dx, sx = cx + sin * dy + cos * dx;
                if (sy < 0 || sx < 0 || sy > h - 1 || sx > w - 1)
                    continue;
                float n = noise.Sample(sy * resY / h, sx * resX / w);
                mask[y * w + x] = n > 0.5f ? 1f : 0f;
            }

        var texture = textures.Texture(h, w, seed, item);
        DetectionInput.Validate(texture);
        if (texture.Height != h || texture.Width != w)
            throw new InvalidInputException($"The texture source returned {texture.Height}x{texture.Width} for a {h}x{w} image.");
        var result = (float[])image.Data.Clone();
        for (int c = 0; c < image.Channels; c++)
        {
            var dst = result.AsSpan(c * plane, plane);
            var src = image.Data.AsSpan(c * plane, plane);
            for (int i = 0; i < plane; i++)
            {
                if (mask[i] == 0) continue;
                float t = TextureValue(texture, image.Channels, c, i, plane);
                dst[i] = (1 - beta) * t + beta * src[i];
            }
        }
        return new PerlinSample(new ImageTensor(result, image.Channels, h, w), mask, beta, resY, resX, angle);
    }

    // A grey image takes the texture's mean over channels; an RGB image repeats a grey texture.
    private static float TextureValue(ImageTensor texture, int imageChannels, int c, int i, int plane)
    {
        if (texture.Channels == imageChannels)
            return texture.Data[c * plane + i];
        if (texture.Channels == 1)
            return texture.Data[i];
        return (texture.Data[i] + texture.Data[plane + i] + texture.Data[2 * plane + i]) / 3f;
    }
}
