using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace AnomalyEngine.Imaging;

/// <summary>
/// Reads PNG, JPEG, BMP and TIFF images (8- or 16-bit, grey, RGB or RGBA) into tensors and masks, and writes PNG.
/// Every read checks the file size and the header against <see cref="ImageLimits"/> before decoding a pixel;
/// unreadable files raise <see cref="InvalidInputException"/> naming the file.
/// </summary>
public static class ImageCodec
{
    /// <summary>Reads the header only (not the whole file): size, bit depth and format; refuses what <paramref name="limits"/> would.</summary>
    public static ImageInfo Identify(string path, ImageLimits? limits = null)
    {
        limits ??= ImageLimits.Default;
        CheckFile(path, limits);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
            return Identify(path, stream, limits);
        }
        catch (IOException e)
        {
            throw new InvalidInputException($"{path}: cannot read the file ({e.Message})", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InvalidInputException($"{path}: no permission to read the file", e);
        }
    }

    /// <summary>Reads an image as a CHW tensor with <paramref name="channels"/> channels (1 grey, 3 RGB, 4 RGBA), converting as needed.</summary>
    public static ImageTensor ReadImage(string path, int channels = 3, PixelRange range = PixelRange.ZeroToOne, ImageLimits? limits = null)
    {
        if (channels is not (1 or 3 or 4))
            throw new InvalidOptionException($"cannot read {path} with {channels} channels: use 1 (grey), 3 (RGB) or 4 (RGBA)");
        limits ??= ImageLimits.Default;
        byte[] bytes = ReadBytes(path, limits);
        ImageInfo info = Identify(path, bytes, limits);
        bool deep = info.BitsPerPixel == 16 || info.BitsPerPixel >= 48;
        float scale = range == PixelRange.ZeroToOne ? 1f : 2f;
        float offset = range == PixelRange.ZeroToOne ? 0f : -1f;
        return (channels, deep) switch
        {
            (1, false) => Decode<L8, byte>(path, bytes, limits, 1, 255f, scale, offset),
            (1, true) => Decode<L16, ushort>(path, bytes, limits, 1, 65535f, scale, offset),
            (3, false) => Decode<Rgb24, byte>(path, bytes, limits, 3, 255f, scale, offset),
            (3, true) => Decode<Rgb48, ushort>(path, bytes, limits, 3, 65535f, scale, offset),
            (4, false) => Decode<Rgba32, byte>(path, bytes, limits, 4, 255f, scale, offset),
            _ => Decode<Rgba64, ushort>(path, bytes, limits, 4, 65535f, scale, offset),
        };
    }

    /// <summary>Reads a mask: a pixel is on the defect when its grey level, in [0, 1], is at least <paramref name="threshold"/>.</summary>
    public static Mask ReadMask(string path, float threshold = 0.5f, ImageLimits? limits = null)
    {
        if (!(threshold > 0f && threshold <= 1f))
            throw new InvalidOptionException($"mask threshold {threshold} must be in (0, 1]");
        ImageTensor grey = ReadImage(path, 1, PixelRange.ZeroToOne, limits);
        var data = new byte[grey.Data.Length];
        for (int i = 0; i < data.Length; i++)
            data[i] = grey.Data[i] >= threshold ? (byte)1 : (byte)0;
        return new Mask(data, grey.Height, grey.Width);
    }

    /// <summary>Writes an 8-bit PNG (grey, RGB or RGBA by channel count); values outside <paramref name="range"/> are clamped.</summary>
    public static void WriteImage(string path, ImageTensor image, PixelRange range = PixelRange.ZeroToOne)
    {
        ArgumentNullException.ThrowIfNull(image);
        RequirePng(path);
        int n = image.Height * image.Width, ch = image.Channels;
        var bytes = new byte[n * ch];
        float[] d = image.Data;
        for (int c = 0; c < ch; c++)
            for (int i = 0; i < n; i++)
            {
                float v = d[c * n + i];
                if (range == PixelRange.MinusOneToOne) v = (v + 1f) * 0.5f;
                bytes[i * ch + c] = ToByte(v);
            }
        AtomicFile.Write(path, EncodePng8(bytes, image.Width, image.Height, ch));
    }

    /// <summary>Writes a mask as an 8-bit grey PNG with 0 and 255.</summary>
    public static void WriteMask(string path, Mask mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        RequirePng(path);
        var bytes = new byte[mask.Data.Length];
        for (int i = 0; i < bytes.Length; i++)
            bytes[i] = mask.Data[i] != 0 ? (byte)255 : (byte)0;
        AtomicFile.Write(path, EncodePng8(bytes, mask.Width, mask.Height, 1));
    }

    /// <summary>
    /// Writes row-major scores as a 16-bit grey PNG: <paramref name="low"/> maps to 0 and <paramref name="high"/> to 65535,
    /// values between are rounded linearly and values outside are clamped.
    /// </summary>
    public static void WriteHeatMap16(string path, ReadOnlySpan<float> scores, int height, int width, float low, float high)
    {
        RequirePng(path);
        if (height < 1 || width < 1 || scores.Length != (long)height * width)
            throw new InvalidOptionException($"heat map {path}: {scores.Length} scores do not fill {width}x{height}");
        if (!(high > low) || !float.IsFinite(low) || !float.IsFinite(high))
            throw new InvalidOptionException($"heat map {path}: the range [{low}, {high}] must be finite with high > low");
        var pixels = new L16[scores.Length];
        float scale = 65535f / (high - low);
        for (int i = 0; i < scores.Length; i++)
        {
            float v = scores[i];
            if (!float.IsFinite(v))
                throw new NumericalException($"heat map {path}: score {v} at pixel ({i % width}, {i / width}); scores must be finite");
            pixels[i] = new L16((ushort)Math.Clamp(MathF.Round((v - low) * scale), 0f, 65535f));
        }
        using var img = Image.LoadPixelData<L16>(pixels, width, height);
        AtomicFile.Write(path, Encode(img, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit16 }));
    }

    /// <summary>
    /// zlib level 1 with the default filters: datasets of thousands of generated images are written
    /// at about twice the speed of the default level, for files about a fifth larger.
    /// </summary>
    private const PngCompressionLevel FastCompression = PngCompressionLevel.BestSpeed;

    /// <summary>Encodes interleaved 8-bit pixels (1, 3 or 4 channels) as PNG bytes; deterministic for the same pixels.</summary>
    internal static byte[] EncodePng8(ReadOnlySpan<byte> interleaved, int width, int height, int channels)
    {
        switch (channels)
        {
            case 1:
                {
                    using var img = Image.LoadPixelData<L8>(interleaved, width, height);
                    return Encode(img, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit8, CompressionLevel = FastCompression });
                }
            case 3:
                {
                    using var img = Image.LoadPixelData<Rgb24>(interleaved, width, height);
                    return Encode(img, new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8, CompressionLevel = FastCompression });
                }
            case 4:
                {
                    using var img = Image.LoadPixelData<Rgba32>(interleaved, width, height);
                    return Encode(img, new PngEncoder { ColorType = PngColorType.RgbWithAlpha, BitDepth = PngBitDepth.Bit8, CompressionLevel = FastCompression });
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(channels), channels, "PNG is written with 1, 3 or 4 channels");
        }
    }

    /// <summary>Rounds a [0, 1] value to 8 bits, clamping outside values (NaN gives 0).</summary>
    internal static byte ToByte(float v) => v >= 1f ? (byte)255 : v > 0f ? (byte)(v * 255f + 0.5f) : (byte)0;

    private static byte[] Encode<TPixel>(Image<TPixel> img, PngEncoder encoder) where TPixel : unmanaged, IPixel<TPixel>
    {
        using var ms = new MemoryStream();
        img.Save(ms, encoder);
        return ms.ToArray();
    }

    private static void RequirePng(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOptionException($"{path}: images are written as PNG; name the file *.png");
    }

    private static void CheckFile(string path, ImageLimits limits)
    {
        ArgumentNullException.ThrowIfNull(path);
        var file = new FileInfo(path);
        if (!file.Exists)
            throw new InvalidInputException($"{path}: no such image file");
        if (file.Length > limits.MaxFileBytes)
            throw new InvalidInputException($"{path}: {file.Length} bytes is over the {limits.MaxFileBytes}-byte limit for an image file");
    }

    private static byte[] ReadBytes(string path, ImageLimits limits)
    {
        CheckFile(path, limits);
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (IOException e)
        {
            throw new InvalidInputException($"{path}: cannot read the file ({e.Message})", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InvalidInputException($"{path}: no permission to read the file", e);
        }
    }

    private static ImageInfo Identify(string path, byte[] bytes, ImageLimits limits)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return Identify(path, stream, limits);
    }

    private static ImageInfo Identify(string path, Stream stream, ImageLimits limits)
    {
        IImageInfo? info;
        IImageFormat? format;
        try
        {
            info = Image.Identify(limits.Configuration, stream, out format);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw Corrupt(path, e);
        }
        if (info is null || format is null)
            throw new InvalidInputException($"{path}: not a PNG, JPEG, BMP or TIFF image (unrecognised header)");
        if (info.Width < 1 || info.Height < 1)
            throw new InvalidInputException($"{path}: the header claims {info.Width}x{info.Height} pixels; the file is corrupt");
        long pixels = (long)info.Width * info.Height;
        if (pixels > limits.MaxPixels)
            throw new InvalidInputException($"{path}: {info.Width}x{info.Height} is {pixels} pixels, over the {limits.MaxPixels}-pixel limit; downscale the image or raise the limit");
        return new ImageInfo(info.Width, info.Height, info.PixelType?.BitsPerPixel ?? 0, format.Name);
    }

    /// <summary>
    /// Decodes into <typeparamref name="TPixel"/>, whose memory is <paramref name="channels"/> consecutive
    /// <typeparamref name="TComponent"/> values per pixel (R, G, B, A order), and de-interleaves to CHW.
    /// </summary>
    private static ImageTensor Decode<TPixel, TComponent>(string path, byte[] bytes, ImageLimits limits, int channels, float max, float scale, float offset)
        where TPixel : unmanaged, IPixel<TPixel>
        where TComponent : unmanaged, System.Numerics.INumberBase<TComponent>
    {
        Image<TPixel> img;
        try
        {
            img = Image.Load<TPixel>(limits.Configuration, bytes);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw Corrupt(path, e);
        }
        using (img)
        {
            int w = img.Width, h = img.Height, n = w * h;
            var data = new float[channels * n];
            // Row by row straight from the decoder's buffer: no intermediate pixel array.
            img.ProcessPixelRows(rows =>
            {
                for (int y = 0; y < h; y++)
                {
                    ReadOnlySpan<TComponent> raw = System.Runtime.InteropServices.MemoryMarshal.Cast<TPixel, TComponent>(rows.GetRowSpan(y));
                    // v / max is the correctly rounded value, so 8-bit k reads as exactly k / 255f.
                    for (int c = 0; c < channels; c++)
                    {
                        Span<float> plane = data.AsSpan(c * n + y * w, w);
                        if (scale == 1f)
                            for (int x = 0; x < w; x++) plane[x] = float.CreateTruncating(raw[x * channels + c]) / max;
                        else
                            for (int x = 0; x < w; x++) plane[x] = float.CreateTruncating(raw[x * channels + c]) / max * scale + offset;
                    }
                }
            });
            return new ImageTensor(data, channels, h, w);
        }
    }

    private static InvalidInputException Corrupt(string path, Exception e) =>
        new($"{path}: cannot decode the image, it is truncated or corrupt ({e.GetType().Name}: {e.Message}); re-export it as PNG", e);
}
