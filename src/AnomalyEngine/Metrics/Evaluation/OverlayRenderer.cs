using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AnomalyEngine.Metrics.Evaluation;

/// <summary>Draws a heat map over its test image (red, opacity 0.6 x normalised score) with the ground-truth outline in green.</summary>
internal static class OverlayRenderer
{
    private const int Thumbnail = 224;

    public static byte[] Render(string imagePath, float[] scores, byte[] mask, int width, int height, float lo, float hi)
    {
        using var image = LoadOrGrey(imagePath, width, height);
        float range = hi > lo ? hi - lo : 1;
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = 0; x < width; x++)
                {
                    int i = y * width + x;
                    if (mask[i] != 0 && IsEdge(mask, x, y, width, height))
                    {
                        row[x] = new Rgb24(0, 255, 0);
                        continue;
                    }
                    float a = 0.6f * Math.Clamp((scores[i] - lo) / range, 0, 1);
                    var p = row[x];
                    row[x] = new Rgb24((byte)(p.R * (1 - a) + 255 * a), (byte)(p.G * (1 - a)), (byte)(p.B * (1 - a)));
                }
            }
        });
        if (width > Thumbnail || height > Thumbnail)
            image.Mutate(c => c.Resize(new ResizeOptions { Size = new Size(Thumbnail, Thumbnail), Mode = ResizeMode.Max }));
        using var ms = new MemoryStream();
        image.Save(ms, new PngEncoder());
        return ms.ToArray();
    }

    private static Image<Rgb24> LoadOrGrey(string path, int width, int height)
    {
        try
        {
            var image = Image.Load<Rgb24>(path);
            if (image.Width != width || image.Height != height) image.Mutate(c => c.Resize(width, height));
            return image;
        }
        catch (Exception e) when (e is IOException or UnknownImageFormatException or InvalidImageContentException)
        {
            return new Image<Rgb24>(width, height, new Rgb24(128, 128, 128));
        }
    }

    private static bool IsEdge(byte[] mask, int x, int y, int w, int h) =>
        x == 0 || y == 0 || x == w - 1 || y == h - 1 ||
        mask[y * w + x - 1] == 0 || mask[y * w + x + 1] == 0 || mask[(y - 1) * w + x] == 0 || mask[(y + 1) * w + x] == 0;
}
