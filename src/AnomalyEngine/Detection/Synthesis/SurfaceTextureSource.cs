using AnomalyEngine.Compute;
using AnomalyEngine.Imaging;
using AnomalyEngine.Synthesis;

namespace AnomalyEngine.Detection.Synthesis;

/// <summary>
/// Textures from the procedural surface generator (instead of DRAEM's DTD): for each sample a
/// Philox-chosen surface family and a normal surface of the image's longer side, cropped to size.
/// </summary>
public sealed class SurfaceTextureSource : ITextureSource
{
    private readonly IReadOnlyList<SurfaceKind> _surfaces;

    /// <summary>Draws from <paramref name="surfaces"/> (all families when null or empty).</summary>
    public SurfaceTextureSource(IReadOnlyList<SurfaceKind>? surfaces = null)
    {
        _surfaces = surfaces is { Count: > 0 } ? surfaces : Enum.GetValues<SurfaceKind>();
    }

    /// <inheritdoc />
    public ImageTensor Texture(int height, int width, ulong seed, long item)
    {
        var kind = _surfaces[(int)(Philox.Bits64(seed, PerlinAnomaly.TextureStream, (uint)item, 1) % (ulong)_surfaces.Count)];
        int size = Math.Clamp(Math.Max(height, width), SurfaceGenerator.MinSize, SurfaceGenerator.MaxSize);
        var t = SurfaceGenerator.Generate(kind, null, size, seed, SynthSplit.Train, (int)(item & 0xFFFFFF)).ToTensor();
        if (t.Height == height && t.Width == width)
            return t;
        // Crop the top-left height x width (resizing when the image is larger than the generator allows).
        if (t.Height < height || t.Width < width)
            return new ImageTensor(PatchFeatures.ResizeBilinear(t.Data, t.Channels, t.Height, t.Width, height, width), t.Channels, height, width);
        var crop = new float[t.Channels * height * width];
        for (int c = 0; c < t.Channels; c++)
            for (int y = 0; y < height; y++)
                t.Data.AsSpan((c * t.Height + y) * t.Width, width).CopyTo(crop.AsSpan((c * height + y) * width, width));
        return new ImageTensor(crop, t.Channels, height, width);
    }
}
