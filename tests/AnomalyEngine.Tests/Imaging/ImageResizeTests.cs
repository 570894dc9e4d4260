using AnomalyEngine.Compute;
using AnomalyEngine.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AnomalyEngine.Tests.Imaging;

public class ImageResizeTests
{
    private static ImageTensor Random(int c, int h, int w, uint stream)
    {
        var t = new ImageTensor(c, h, w);
        for (int i = 0; i < t.Data.Length; i++) t.Data[i] = Philox.Uniform(3, stream, 0, (uint)i);
        return t;
    }

    [Theory]
    [InlineData(40, 30, 17, 23)]
    [InlineData(17, 23, 40, 50)]
    [InlineData(64, 64, 32, 32)]
    public void Bicubic_matches_ImageSharp_bicubic_resampler(int h, int w, int outH, int outW)
    {
        ImageTensor t = Random(1, h, w, 1);
        // ImageSharp's Bicubic is the same Catmull-Rom kernel, widened when shrinking and renormalised at the border.
        var pixels = t.Data.Select(v => new RgbaVector(v, v, v, 1f)).ToArray();
        using var img = Image.LoadPixelData<RgbaVector>(pixels, w, h);
        img.Mutate(x => x.Resize(outW, outH, KnownResamplers.Bicubic));
        var expected = new RgbaVector[outW * outH];
        img.CopyPixelDataTo(expected);
        ImageTensor ours = ImageResize.Bicubic(t, outH, outW);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i].R - ours.Data[i]));
        Assert.True(worst < 2e-3, $"largest difference {worst}");
    }

    [Fact]
    public void Bicubic_upscale_reproduces_a_linear_ramp_away_from_the_border()
    {
        // Keys' kernel with a = -0.5 reproduces polynomials up to degree 2 exactly.
        var t = new ImageTensor(1, 1, 10);
        for (int x = 0; x < 10; x++) t.Data[x] = 0.1f * x;
        ImageTensor up = ImageResize.Bicubic(t, 1, 40);
        for (int x = 8; x < 32; x++)
        {
            float source = (x + 0.5f) * 10f / 40f - 0.5f;
            Assert.Equal(0.1f * source, up.Data[x], 1e-5f);
        }
    }

    [Fact]
    public void Downscale_keeps_a_constant_image_constant_and_averages_pairs_bilinearly()
    {
        var c = new ImageTensor(Enumerable.Repeat(0.3f, 3 * 64).ToArray(), 3, 8, 8);
        Assert.All(ImageResize.Bicubic(c, 3, 5).Data, v => Assert.Equal(0.3f, v, 1e-6f));
        // Halving with the widened triangle kernel: weights 1/8, 3/8, 3/8, 1/8 over four neighbours;
        // at the border the tap at -1 is dropped and 3/4, 3/4, 1/4 renormalised by their sum 7/4.
        var row = new ImageTensor([0f, 0f, 1f, 1f, 0f, 0f, 1f, 1f], 1, 1, 8);
        ImageTensor half = ImageResize.Bilinear(row, 1, 4);
        Assert.Equal((0.75f * 0 + 0.75f * 0 + 0.25f * 1) / 1.75f, half.Data[0], 1e-6f);
        Assert.Equal(0.125f * 0 + 0.375f * 1 + 0.375f * 1 + 0.125f * 0, half.Data[1], 1e-6f);
    }

    [Fact]
    public void Nearest_mask_upscale_repeats_each_pixel_as_a_block()
    {
        var m = new Mask([1, 0, 0, 1], 2, 2);
        Mask big = ImageResize.Resize(m, 4, 4);
        Assert.Equal(new byte[] { 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1 }, big.Data);
    }

    [Fact]
    public void Bilinear_mask_downscale_thresholds_the_covered_fraction()
    {
        // A 1-pixel line in 8 columns: shrunk to 4 it covers 3/8 of its output pixel, under 0.5 but over 0.25.
        var data = new byte[8 * 8];
        for (int y = 0; y < 8; y++) data[y * 8 + 2] = 1;
        var m = new Mask(data, 8, 8);
        Assert.Equal(0, ImageResize.Resize(m, 4, 4, MaskResampling.Bilinear).Area());
        Mask low = ImageResize.Resize(m, 4, 4, MaskResampling.Bilinear, 0.25f);
        Assert.Equal(4, low.Area());
        Assert.All(Enumerable.Range(0, 4), y => Assert.True(low[y, 1]));
    }
}
