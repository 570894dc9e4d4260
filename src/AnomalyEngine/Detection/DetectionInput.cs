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

    /// <summary>Bilinear resize (half-pixel centres) of every channel.</summary>
    internal static ImageTensor Resize(ImageTensor image, int height, int width) =>
        image.Height == height && image.Width == width
            ? image
            : new ImageTensor(PatchFeatures.ResizeBilinear(image.Data, image.Channels, image.Height, image.Width, height, width), image.Channels, height, width);

    /// <summary>Nearest-neighbour resize of a 0/1 mask into floats (the value of the source pixel under each target pixel's centre).</summary>
    internal static float[] ResizeMask(byte[] mask, int height, int width, int outHeight, int outWidth)
    {
        var result = new float[outHeight * outWidth];
        for (int y = 0; y < outHeight; y++)
        {
            int sy = Math.Min((int)((y + 0.5) * height / outHeight), height - 1);
            for (int x = 0; x < outWidth; x++)
            {
                int sx = Math.Min((int)((x + 0.5) * width / outWidth), width - 1);
                result[y * outWidth + x] = mask[sy * width + sx] != 0 ? 1f : 0f;
            }
        }
        return result;
    }
}
