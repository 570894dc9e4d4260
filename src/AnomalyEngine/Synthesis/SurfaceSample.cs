using AnomalyEngine.Imaging;

namespace AnomalyEngine.Synthesis;

/// <summary>One generated image: interleaved 8-bit RGB and the exact mask of its defect (empty for a normal sample).</summary>
public sealed class SurfaceSample
{
    internal SurfaceSample(SurfaceKind surface, DefectKind? defect, int size, byte[] rgb, Mask mask, byte[] background)
    {
        Surface = surface;
        Defect = defect;
        Size = size;
        Rgb = rgb;
        Mask = mask;
        Background = background;
    }

    /// <summary>The surface family.</summary>
    public SurfaceKind Surface { get; }

    /// <summary>The defect family, or null for a normal sample.</summary>
    public DefectKind? Defect { get; }

    /// <summary>Width and height in pixels.</summary>
    public int Size { get; }

    /// <summary>Pixels, row-major, 3 bytes (R, G, B) each.</summary>
    public byte[] Rgb { get; }

    /// <summary>1 on exactly the pixels the defect changed; all 0 for a normal sample.</summary>
    public Mask Mask { get; }

    /// <summary>The same surface, light and noise without the defect (equal to <see cref="Rgb"/> for a normal sample).</summary>
    internal byte[] Background { get; }

    /// <summary>The image as a [0, 1] CHW tensor.</summary>
    public ImageTensor ToTensor()
    {
        int n = Size * Size;
        var data = new float[3 * n];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < 3; c++)
                data[c * n + i] = Rgb[3 * i + c] / 255f;
        return new ImageTensor(data, 3, Size, Size);
    }
}
