using AnomalyEngine.Detection;
using AnomalyEngine.Detection.Synthesis;
using AnomalyEngine.Imaging;

namespace AnomalyEngine.Tests.Detection;

public class PerlinAnomalyTests
{
    private static ImageTensor Gradient(int channels, int h, int w)
    {
        var d = new float[channels * h * w];
        for (int i = 0; i < d.Length; i++) d[i] = (i % 97) / 96f;
        return new ImageTensor(d, channels, h, w);
    }

    private static ImageTextureSource Textures() => new([new ImageTensor(Enumerable.Range(0, 3 * 16 * 16).Select(i => ((i * 31) % 17) / 16f).ToArray(), 3, 16, 16)]);

    [Fact]
    public void Mask_is_binary_and_pixels_outside_it_are_unchanged()
    {
        var image = Gradient(3, 40, 56);
        int nonEmpty = 0;
        for (long item = 0; item < 12; item++)
        {
            var s = PerlinAnomaly.Synthesize(image, Textures(), 7, item);
            Assert.All(s.Mask, m => Assert.True(m == 0f || m == 1f));
            int plane = 40 * 56;
            for (int c = 0; c < 3; c++)
                for (int i = 0; i < plane; i++)
                    if (s.Mask[i] == 0)
                        Assert.Equal(image.Data[c * plane + i], s.Image.Data[c * plane + i]);
            if (s.Mask.Any(m => m == 1)) nonEmpty++;
        }
        Assert.True(nonEmpty >= 3, $"only {nonEmpty} of 12 masks were non-empty");
    }

    [Fact]
    public void Blend_follows_the_DRAEM_formula_per_pixel()
    {
        var image = Gradient(3, 32, 32);
        var textures = Textures();
        for (long item = 0; item < 8; item++)
        {
            var s = PerlinAnomaly.Synthesize(image, textures, 11, item);
            Assert.InRange(s.Beta, 0f, 0.8f);
            Assert.InRange(s.AngleDegrees, -90f, 90f);
            Assert.Contains(s.ScaleY, new[] { 1, 2, 4, 8, 16, 32 });
            var a = textures.Texture(32, 32, 11, item);
            int plane = 32 * 32;
            for (int c = 0; c < 3; c++)
                for (int i = 0; i < plane; i++)
                {
                    float m = s.Mask[i], I = image.Data[c * plane + i], A = a.Data[c * plane + i];
                    float expected = (1 - m) * I + (1 - s.Beta) * m * A + s.Beta * m * I;
                    Assert.Equal(expected, s.Image.Data[c * plane + i], 5);
                }
        }
    }

    [Fact]
    public void Same_seed_and_item_give_the_same_anomaly_and_other_items_differ()
    {
        var image = Gradient(1, 24, 24);
        var a = PerlinAnomaly.Synthesize(image, Textures(), 3, 5);
        var b = PerlinAnomaly.Synthesize(image, Textures(), 3, 5);
        Assert.Equal(a.Mask, b.Mask);
        Assert.Equal(a.Image.Data, b.Image.Data);
        var others = Enumerable.Range(6, 6).Select(i => PerlinAnomaly.Synthesize(image, Textures(), 3, i));
        Assert.Contains(others, o => !o.Mask.SequenceEqual(a.Mask) || o.Beta != a.Beta);
    }

    [Fact]
    public void Noise_vanishes_at_lattice_points_and_is_smooth_between()
    {
        var noise = new PerlinNoise(4, 2, 1, 0, 0);
        for (int i = 0; i <= 4; i++)
            for (int j = 0; j <= 2; j++)
                Assert.Equal(0f, noise.Sample(i, j), 6);
        // Gradient noise is bounded by sqrt(2) * sqrt(2)/2 * 2 = 2 in magnitude and continuous.
        float prev = noise.Sample(0, 0.5f);
        for (float u = 0.01f; u < 4; u += 0.01f)
        {
            float v = noise.Sample(u, 0.5f);
            Assert.InRange(MathF.Abs(v - prev), 0f, 0.05f);
            prev = v;
        }
        Assert.Equal(0f, PerlinNoise.Fade(0f));
        Assert.Equal(1f, PerlinNoise.Fade(1f));
        Assert.Equal(0.5f, PerlinNoise.Fade(0.5f), 6);
    }

    [Fact]
    public void Surface_textures_have_the_requested_size_and_repeat_for_the_same_item()
    {
        var source = new SurfaceTextureSource();
        var a = source.Texture(40, 24, 5, 3);
        Assert.Equal((3, 40, 24), (a.Channels, a.Height, a.Width));
        Assert.All(a.Data, v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(a.Data, source.Texture(40, 24, 5, 3).Data);
        Assert.NotEqual(a.Data, source.Texture(40, 24, 5, 4).Data);
    }

    [Fact]
    public void Texture_source_rejects_an_empty_list()
    {
        Assert.Throws<InvalidInputException>(() => new ImageTextureSource([]));
    }
}
