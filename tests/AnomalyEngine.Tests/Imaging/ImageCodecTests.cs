using System.Diagnostics;
using AnomalyEngine.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.PixelFormats;

namespace AnomalyEngine.Tests.Imaging;

public sealed class ImageCodecTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("ae-img-").FullName;

    public void Dispose() => Directory.Delete(dir, true);

    private string PathOf(string name) => Path.Combine(dir, name);

    private static ImageTensor Ramp(int channels, int h, int w)
    {
        var t = new ImageTensor(channels, h, w);
        for (int i = 0; i < t.Data.Length; i++) t.Data[i] = (i * 37 % 256) / 255f;
        return t;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    public void Png_round_trip_keeps_every_8_bit_value(int channels)
    {
        ImageTensor t = Ramp(channels, 5, 7);
        ImageCodec.WriteImage(PathOf("a.png"), t);
        ImageTensor back = ImageCodec.ReadImage(PathOf("a.png"), channels);
        Assert.Equal((channels, 5, 7), (back.Channels, back.Height, back.Width));
        for (int i = 0; i < t.Data.Length; i++) Assert.Equal(t.Data[i], back.Data[i], 1e-6f);
    }

    [Fact]
    public void Minus_one_to_one_is_twice_the_unit_value_minus_one()
    {
        ImageTensor t = Ramp(3, 4, 4);
        ImageCodec.WriteImage(PathOf("a.png"), t);
        ImageTensor back = ImageCodec.ReadImage(PathOf("a.png"), 3, PixelRange.MinusOneToOne);
        for (int i = 0; i < t.Data.Length; i++) Assert.Equal(2f * t.Data[i] - 1f, back.Data[i], 1e-6f);
        ImageCodec.WriteImage(PathOf("b.png"), back, PixelRange.MinusOneToOne);
        Assert.Equal(File.ReadAllBytes(PathOf("a.png")), File.ReadAllBytes(PathOf("b.png")));
    }

    [Fact]
    public void Grey_image_read_as_rgb_repeats_the_grey_level()
    {
        ImageCodec.WriteImage(PathOf("g.png"), Ramp(1, 3, 3));
        ImageTensor rgb = ImageCodec.ReadImage(PathOf("g.png"), 3);
        for (int i = 0; i < 9; i++)
        {
            Assert.Equal(rgb.Data[i], rgb.Data[9 + i]);
            Assert.Equal(rgb.Data[i], rgb.Data[18 + i]);
        }
    }

    [Fact]
    public void Heat_map_is_written_as_16_bit_grey_scaled_between_low_and_high()
    {
        float[] scores = [-1f, 0f, 0.25f, 1f, 3f, 0.5f];
        ImageCodec.WriteHeatMap16(PathOf("h.png"), scores, 2, 3, 0f, 1f);
        Assert.Equal(16, ImageCodec.Identify(PathOf("h.png")).BitsPerPixel);
        ImageTensor back = ImageCodec.ReadImage(PathOf("h.png"), 1);
        // round((v - low) / (high - low) * 65535), clamped, read back over 65535.
        float[] expected = [0f, 0f, 16384f / 65535f, 1f, 1f, 32768f / 65535f];
        for (int i = 0; i < 6; i++) Assert.Equal(expected[i], back.Data[i], 1e-7f);
    }

    [Fact]
    public void Heat_map_refuses_nan()
    {
        Assert.Throws<NumericalException>(() => ImageCodec.WriteHeatMap16(PathOf("h.png"), [0f, float.NaN], 1, 2, 0f, 1f));
        Assert.False(File.Exists(PathOf("h.png")));
    }

    [Fact]
    public void Sixteen_bit_rgb_png_keeps_its_full_precision()
    {
        var pixels = new Rgb48[] { new(0, 1, 65535), new(1000, 40000, 65534) };
        using (var img = Image.LoadPixelData<Rgb48>(pixels, 2, 1))
            img.Save(PathOf("d.png"), new PngEncoder { BitDepth = PngBitDepth.Bit16, ColorType = PngColorType.Rgb });
        ImageTensor t = ImageCodec.ReadImage(PathOf("d.png"));
        Assert.Equal(new[] { 0f, 1000f, 1f, 40000f, 65535f, 65534f }.Select(v => v / 65535f), t.Data.Select(v => v), new ToleranceComparer(1e-7f));
    }

    [Fact]
    public void Bmp_and_tiff_decode_to_the_pixels_that_were_saved()
    {
        var pixels = new Rgb24[] { new(10, 20, 30), new(200, 100, 0), new(255, 255, 255), new(0, 0, 1) };
        using var img = Image.LoadPixelData<Rgb24>(pixels, 2, 2);
        img.Save(PathOf("a.bmp"), new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 });
        img.Save(PathOf("a.tiff"), new TiffEncoder());
        foreach (string f in new[] { "a.bmp", "a.tiff" })
        {
            ImageTensor t = ImageCodec.ReadImage(PathOf(f));
            Assert.Equal(200f / 255f, t[0, 0, 1], 1e-6f);
            Assert.Equal(100f / 255f, t[1, 0, 1], 1e-6f);
            Assert.Equal(1f / 255f, t[2, 1, 1], 1e-6f);
        }
        Assert.Equal("TIFF", ImageCodec.Identify(PathOf("a.tiff")).Format);
    }

    [Fact]
    public void Mask_is_set_where_grey_is_at_least_the_threshold()
    {
        byte[] grey = [0, 100, 127, 128, 200, 255];
        File.WriteAllBytes(PathOf("m.png"), ImageCodec.EncodePng8(grey, 6, 1, 1));
        Assert.Equal(new byte[] { 0, 0, 0, 1, 1, 1 }, ImageCodec.ReadMask(PathOf("m.png")).Data);
        Assert.Equal(new byte[] { 0, 1, 1, 1, 1, 1 }, ImageCodec.ReadMask(PathOf("m.png"), 0.3f).Data);
        ImageCodec.WriteMask(PathOf("w.png"), new Mask([0, 1, 1, 0], 2, 2));
        Assert.Equal(new[] { 0f, 1f, 1f, 0f }, ImageCodec.ReadImage(PathOf("w.png"), 1).Data);
    }

    [Fact]
    public void A_small_png_claiming_30000_by_30000_pixels_is_refused_in_milliseconds()
    {
        byte[] bomb = CraftedPng.ClaimingSize(30000, 30000);
        Assert.InRange(bomb.Length, 100, 8192);
        File.WriteAllBytes(PathOf("bomb.png"), bomb);
        Assert.Equal((30000, 30000), (Image.Identify(bomb).Width, Image.Identify(bomb).Height));
        ImageCodec.Identify(PathOf("bomb.png"), new ImageLimits { MaxPixels = long.MaxValue });
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<InvalidInputException>(() => ImageCodec.ReadImage(PathOf("bomb.png")));
        Assert.True(clock.ElapsedMilliseconds < 500, $"took {clock.ElapsedMilliseconds} ms");
        Assert.Contains("30000x30000", e.Message);
        Assert.Contains("bomb.png", e.Message);
    }

    [Fact]
    public void Allocator_limit_stops_a_decode_the_pixel_limit_let_through()
    {
        File.WriteAllBytes(PathOf("bomb.png"), CraftedPng.ClaimingSize(30000, 30000));
        var limits = new ImageLimits { MaxPixels = long.MaxValue, AllocationLimitMegabytes = 64 };
        long before = GC.GetTotalAllocatedBytes(true);
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<InvalidInputException>(() => ImageCodec.ReadImage(PathOf("bomb.png"), 3, PixelRange.ZeroToOne, limits));
        Assert.True(clock.ElapsedMilliseconds < 2000, $"took {clock.ElapsedMilliseconds} ms");
        Assert.True(GC.GetTotalAllocatedBytes(true) - before < 256L << 20, "allocated more than 256 MB");
        Assert.Contains("bomb.png", e.Message);
    }

    [Fact]
    public void Truncated_png_names_the_file()
    {
        ImageCodec.WriteImage(PathOf("full.png"), Ramp(3, 32, 32));
        byte[] bytes = File.ReadAllBytes(PathOf("full.png"));
        File.WriteAllBytes(PathOf("cut.png"), bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InvalidInputException>(() => ImageCodec.ReadImage(PathOf("cut.png")));
        Assert.Contains(PathOf("cut.png"), e.Message);
    }

    [Fact]
    public void Non_image_missing_and_oversized_files_are_refused_with_the_reason()
    {
        File.WriteAllText(PathOf("notes.png"), "this is not an image");
        Assert.Contains("not a PNG, JPEG, BMP or TIFF", Assert.Throws<InvalidInputException>(() => ImageCodec.ReadImage(PathOf("notes.png"))).Message);
        Assert.Contains("no such image file", Assert.Throws<InvalidInputException>(() => ImageCodec.ReadImage(PathOf("absent.png"))).Message);
        ImageCodec.WriteImage(PathOf("a.png"), Ramp(3, 8, 8));
        var tight = new ImageLimits { MaxFileBytes = 16 };
        Assert.Contains("byte limit", Assert.Throws<InvalidInputException>(() => ImageCodec.ReadImage(PathOf("a.png"), 3, PixelRange.ZeroToOne, tight)).Message);
        Assert.Throws<InvalidOptionException>(() => ImageCodec.WriteImage(PathOf("a.jpg"), Ramp(3, 2, 2)));
        Assert.Throws<InvalidOptionException>(() => ImageCodec.ReadImage(PathOf("a.png"), 2));
    }

    [Fact]
    public void Writing_replaces_the_file_whole_and_leaves_no_temporary()
    {
        ImageCodec.WriteImage(PathOf("a.png"), Ramp(3, 8, 8));
        ImageCodec.WriteImage(PathOf("a.png"), Ramp(1, 4, 4));
        Assert.Equal(new ImageInfo(4, 4, 8, "PNG"), ImageCodec.Identify(PathOf("a.png")));
        Assert.Single(Directory.GetFiles(dir));
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => MathF.Abs(a - b) <= tolerance;
        public int GetHashCode(float v) => 0;
    }
}
