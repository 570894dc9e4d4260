using AnomalyEngine.Imaging;

namespace AnomalyEngine.Detection;

/// <summary>What the detectors accept: grey or RGB images with values in 0..1.</summary>
internal static class DetectionInput
{
    internal static void Validate(ImageTensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Channels != 1 && image.Channels != 3)
            throw new InvalidInputException($"A detector takes grey (1 channel) or RGB (3 channels) images, not {image.Channels} channels.");
    }

    /// <summary>The image as 3 x height x width RGB (a grey image repeated into three channels).</summary>
    internal static float[] ToRgb(ImageTensor image)
    {
        Validate(image);
        if (image.Channels == 3)
            return image.Data;
        int plane = image.Height * image.Width;
        var rgb = new float[3 * plane];
        for (int c = 0; c < 3; c++)
            image.Data.AsSpan().CopyTo(rgb.AsSpan(c * plane, plane));
        return rgb;
    }
}
