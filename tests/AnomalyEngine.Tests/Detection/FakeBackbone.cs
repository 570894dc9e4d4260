using AnomalyEngine.Detection;
using AnomalyEngine.Imaging;

namespace AnomalyEngine.Tests.Detection;

/// <summary>
/// A deterministic stand-in for the ResNet: layer 2 = 2x2 block means of (grey, grey^2),
/// layer 3 = 4x4 block means of (grey, 1 - grey, grey^2). Height and width must be multiples of 4.
/// </summary>
internal sealed class FakeBackbone : IBackbone
{
    public BackboneFeatures Extract(ImageTensor image)
    {
        var grey = image.Channels == 1 ? image.Data : Grey(image);
        return new BackboneFeatures(Pool(grey, image.Height, image.Width, 2, [v => v, v => v * v]),
                                    Pool(grey, image.Height, image.Width, 4, [v => v, v => 1 - v, v => v * v]));
    }

    private static float[] Grey(ImageTensor image)
    {
        int plane = image.Height * image.Width;
        var g = new float[plane];
        for (int i = 0; i < plane; i++)
            g[i] = (image.Data[i] + image.Data[plane + i] + image.Data[2 * plane + i]) / 3f;
        return g;
    }

    private static FeatureMap Pool(float[] grey, int h, int w, int s, Func<float, float>[] channels)
    {
        int oh = h / s, ow = w / s;
        var data = new float[channels.Length * oh * ow];
        for (int c = 0; c < channels.Length; c++)
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++)
                {
                    float sum = 0;
                    for (int dy = 0; dy < s; dy++)
                        for (int dx = 0; dx < s; dx++)
                            sum += channels[c](grey[(y * s + dy) * w + x * s + dx]);
                    data[(c * oh + y) * ow + x] = sum / (s * s);
                }
        return new FeatureMap(data, channels.Length, oh, ow);
    }
}
