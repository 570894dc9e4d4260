namespace AnomalyEngine.Detection.Backbone;

/// <summary>
/// The ResNet-18 backbone's input convention, read from the package's ResNetPreprocess.onnx
/// (Split into R, G, B; Concat as B, G, R; Sub a 1x3x224x224 mean image): pixel values 0..255,
/// BGR order, minus the mean, no division by a standard deviation.
/// At 224x224 the per-pixel mean image is subtracted, exactly as the package does; at any other
/// size the per-channel means of that image (B 103.06, G 115.90, R 123.15) are subtracted — a
/// resized mean image would impose the 224 layout's spatial pattern on images framed differently.
/// </summary>
public sealed class ResNetPreprocessing
{
    /// <summary>The side the package's mean image was made for.</summary>
    public const int MeanImageSide = 224;

    private readonly float[] _meanImage; // BGR planes, 3 x 224 x 224

    private ResNetPreprocessing(float[] meanImage)
    {
        _meanImage = meanImage;
        ChannelMeans = new float[3];
        int plane = MeanImageSide * MeanImageSide;
        for (int c = 0; c < 3; c++)
        {
            double sum = 0;
            for (int i = 0; i < plane; i++)
                sum += meanImage[c * plane + i];
            ChannelMeans[c] = (float)(sum / plane);
        }
    }

    /// <summary>The per-channel means in B, G, R order (0..255 scale).</summary>
    public float[] ChannelMeans { get; }

    /// <summary>Loads the mean image from the package's ResNetPreprocess.onnx (found like the backbone).</summary>
    public static ResNetPreprocessing Load(string? preprocessModel = null)
    {
        preprocessModel ??= ResNet18Graph.LocatePreprocessModel();
        var (dims, values) = OnnxGraphRewriter.ReadFloatInitializer(File.ReadAllBytes(preprocessModel), "MeanImage");
        if (dims.Length != 4 || dims[1] != 3 || dims[2] != MeanImageSide || dims[3] != MeanImageSide)
            throw new ModelException($"The mean image in '{preprocessModel}' is not 1x3x224x224.");
        return new ResNetPreprocessing(values);
    }

    /// <summary>
    /// Converts <paramref name="rgb"/> (3 x height x width, RGB in 0..1) into the backbone input
    /// (3 x height x width, BGR, 255 x value minus the mean) written to <paramref name="destination"/>.
    /// </summary>
    public void Apply(ReadOnlySpan<float> rgb, int height, int width, Span<float> destination)
    {
        int plane = height * width;
        if (rgb.Length != 3 * plane || destination.Length != 3 * plane)
            throw new InvalidInputException($"Expected a 3x{height}x{width} RGB image ({3 * plane} values), got {rgb.Length}.");
        bool perPixel = height == MeanImageSide && width == MeanImageSide;
        for (int bgr = 0; bgr < 3; bgr++)
        {
            var src = rgb.Slice((2 - bgr) * plane, plane);
            var dst = destination.Slice(bgr * plane, plane);
            if (perPixel)
            {
                var mean = _meanImage.AsSpan(bgr * plane, plane);
                for (int i = 0; i < plane; i++)
                    dst[i] = 255f * src[i] - mean[i];
            }
            else
            {
                float mean = ChannelMeans[bgr];
                for (int i = 0; i < plane; i++)
                    dst[i] = 255f * src[i] - mean;
            }
        }
    }
}
