using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using AnomalyEngine.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AnomalyEngine.Metrics.Evaluation;

/// <summary>A single-channel float image, row-major.</summary>
internal sealed record FloatMap(float[] Values, int Width, int Height);

/// <summary>
/// Reads anomaly heat maps: .npy (2-D, or 3-D with one channel; float32/64, uint8/16), uncompressed
/// single-channel float32 TIFF (raw values), and PNG (8 or 16 bit, scaled to [0, 1]).
/// The smallest reader evaluation needs until the Imaging layer provides one.
/// </summary>
internal static partial class HeatMapReader
{
    public static readonly string[] Extensions = [".npy", ".tiff", ".tif", ".png"];

    public static FloatMap Read(string path)
    {
        try
        {
            return Path.GetExtension(path).ToLowerInvariant() switch
            {
                ".npy" => ReadNpy(File.ReadAllBytes(path), path),
                ".tif" or ".tiff" => ReadTiff(File.ReadAllBytes(path), path),
                _ => ReadPng(path),
            };
        }
        catch (Exception e) when (e is IOException or UnknownImageFormatException or InvalidImageContentException or NotSupportedException)
        {
            throw new InvalidInputException($"cannot read heat map '{path}': {e.Message}", e);
        }
    }

    private static FloatMap ReadPng(string path)
    {
        // L16 holds 8-bit images exactly too (v * 257), so v / 65535 is v8 / 255 or v16 / 65535.
        using var image = Image.Load<L16>(path);
        var values = new float[image.Width * image.Height];
        var raw = new L16[values.Length];
        image.CopyPixelDataTo(raw);
        for (int i = 0; i < values.Length; i++) values[i] = raw[i].PackedValue / 65535f;
        return new FloatMap(values, image.Width, image.Height);
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([<>|=])([fu])(\d)'.*'fortran_order'\s*:\s*(True|False).*'shape'\s*:\s*\(([\d,\s]*)\)")]
    private static partial Regex NpyHeader();

    internal static FloatMap ReadNpy(byte[] bytes, string path)
    {
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
            throw new InvalidInputException($"'{path}' is not a .npy file (no \\x93NUMPY magic).");
        int major = bytes[6];
        int headerLen = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)) : (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        int dataStart = (major == 1 ? 10 : 12) + headerLen;
        var m = NpyHeader().Match(Encoding.ASCII.GetString(bytes, major == 1 ? 10 : 12, headerLen));
        if (!m.Success)
            throw new InvalidInputException($"'{path}': unsupported .npy header; save the map as float32, float64, uint8 or uint16.");
        if (m.Groups[4].Value == "True")
            throw new InvalidInputException($"'{path}' is stored in Fortran order: save it with np.ascontiguousarray.");
        var shape = m.Groups[5].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        if (shape.Length == 3 && shape[0] == 1) shape = shape[1..];
        if (shape.Length == 3 && shape[2] == 1) shape = shape[..2];
        if (shape.Length != 2)
            throw new InvalidInputException($"'{path}' has shape ({string.Join(",", shape)}): a heat map must be H x W.");
        bool big = m.Groups[1].Value == ">";
        char kind = m.Groups[2].Value[0];
        int size = int.Parse(m.Groups[3].Value);
        int h = shape[0], w = shape[1], n = h * w;
        if (bytes.Length < dataStart + (long)n * size)
            throw new InvalidInputException($"'{path}' is truncated: {n} values of {size} bytes expected.");
        var values = new float[n];
        var data = bytes.AsSpan(dataStart);
        for (int i = 0; i < n; i++)
        {
            var s = data.Slice(i * size, size);
            values[i] = (kind, size) switch
            {
                ('f', 4) => big ? BinaryPrimitives.ReadSingleBigEndian(s) : BinaryPrimitives.ReadSingleLittleEndian(s),
                ('f', 8) => (float)(big ? BinaryPrimitives.ReadDoubleBigEndian(s) : BinaryPrimitives.ReadDoubleLittleEndian(s)),
                ('u', 1) => s[0],
                ('u', 2) => big ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s),
                _ => throw new InvalidInputException($"'{path}': dtype {kind}{size} is not supported; use float32."),
            };
        }
        return new FloatMap(values, w, h);
    }

    /// <summary>Baseline TIFF, one sample of 32-bit IEEE float per pixel, uncompressed strips (what tifffile and PIL mode "F" write).</summary>
    internal static FloatMap ReadTiff(byte[] b, string path)
    {
        if (b.Length < 8 || !((b[0] == 'I' && b[1] == 'I') || (b[0] == 'M' && b[1] == 'M')))
            throw new InvalidInputException($"'{path}' is not a TIFF file.");
        bool big = b[0] == 'M';
        uint U16(long o) => big ? BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan((int)o)) : BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan((int)o));
        uint U32(long o) => big ? BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan((int)o)) : BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan((int)o));
        long ifd = U32(4);
        int entries = (int)U16(ifd);
        var tags = new Dictionary<uint, uint[]>();
        for (int e = 0; e < entries; e++)
        {
            long o = ifd + 2 + 12 * e;
            uint tag = U16(o), type = U16(o + 2), count = U32(o + 4);
            int width = type == 3 ? 2 : 4;
            long at = count * width <= 4 ? o + 8 : U32(o + 8);
            var v = new uint[count];
            for (int i = 0; i < count; i++) v[i] = type == 3 ? U16(at + i * 2) : U32(at + i * 4);
            tags[tag] = v;
        }
        uint Tag(uint t, uint fallback) => tags.TryGetValue(t, out var v) ? v[0] : fallback;
        int w = (int)Tag(256, 0), h = (int)Tag(257, 0);
        if (Tag(258, 1) != 32 || Tag(339, 1) != 3 || Tag(277, 1) != 1 || Tag(259, 1) != 1)
            throw new InvalidInputException($"'{path}': only uncompressed single-channel 32-bit float TIFF heat maps are supported; save as float32 without compression, or as .npy.");
        var values = new float[w * h];
        var offsets = tags[273];
        var counts = tags[279];
        int k = 0;
        for (int s = 0; s < offsets.Length && k < values.Length; s++)
            for (long o = offsets[s]; o < offsets[s] + counts[s] && k < values.Length; o += 4)
                values[k++] = BitConverter.Int32BitsToSingle((int)U32(o));
        if (k != values.Length)
            throw new InvalidInputException($"'{path}' is truncated: {values.Length} pixels expected, {k} found.");
        return new FloatMap(values, w, h);
    }

    /// <summary>Bilinear resize (the Imaging layer's triangle kernel: half-pixel centres when upsampling, area-weighted when downsampling).</summary>
    public static FloatMap Resize(FloatMap map, int width, int height)
    {
        if (map.Width == width && map.Height == height) return map;
        var resized = ImageResize.Bilinear(new ImageTensor(map.Values, 1, map.Height, map.Width), height, width);
        return new FloatMap(resized.Data, width, height);
    }
}
