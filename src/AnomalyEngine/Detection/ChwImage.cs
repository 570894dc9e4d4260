namespace AnomalyEngine.Detection;

/// <summary>An image as planar floats: <paramref name="Channels"/> (1 grey or 3 RGB) x height x width, values in 0..1.</summary>
public readonly record struct ChwImage(float[] Data, int Channels, int Height, int Width)
{
    /// <summary>Throws <see cref="InvalidInputException"/> when the data length or channel count is wrong.</summary>
    public void Validate()
    {
        if (Channels != 1 && Channels != 3)
            throw new InvalidInputException($"An image must have 1 (grey) or 3 (RGB) channels, not {Channels}.");
        if (Height <= 0 || Width <= 0 || Data is null || Data.Length != (long)Channels * Height * Width)
            throw new InvalidInputException($"Expected {Channels}x{Height}x{Width} = {(long)Channels * Height * Width} values, got {Data?.Length ?? 0}.");
    }

    /// <summary>The image as 3 x height x width RGB (a grey image is repeated into three channels).</summary>
    public float[] ToRgb()
    {
        Validate();
        if (Channels == 3)
            return Data;
        int plane = Height * Width;
        var rgb = new float[3 * plane];
        for (int c = 0; c < 3; c++)
            Data.AsSpan().CopyTo(rgb.AsSpan(c * plane, plane));
        return rgb;
    }
}

/// <summary>A feature map of one image: channels x height x width, planar.</summary>
public readonly record struct FeatureMap(float[] Data, int Channels, int Height, int Width);

/// <summary>The frozen backbone's layer-2 and layer-3 features of one image.</summary>
public sealed record BackboneFeatures(FeatureMap Layer2, FeatureMap Layer3);

/// <summary>A frozen feature extractor (the ResNet-18 backbone in production, anything deterministic in tests).</summary>
public interface IBackbone
{
    /// <summary>Layer-2 and layer-3 features of <paramref name="image"/>.</summary>
    BackboneFeatures Extract(ChwImage image);
}

/// <summary>A per-pixel anomaly map at image resolution and the image-level score.</summary>
public sealed record AnomalyMap(float[] Pixels, int Height, int Width, float Score);
