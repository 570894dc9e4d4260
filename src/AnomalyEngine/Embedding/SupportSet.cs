namespace AnomalyEngine.Embedding;

/// <summary>One support example at the bundle's image size: image [3, H, W] in [-1, 1] and its mask [H·W] (non-zero = defect).</summary>
public sealed record SupportExample(float[] Image, float[] Mask, SupportFile Source);

/// <summary>The k defect images (with masks) an embedding is learned from, already at the bundle's image size.</summary>
public sealed class SupportSet
{
    public SupportSet(string defect, int imageSize, IReadOnlyList<SupportExample> examples)
    {
        if (examples.Count == 0)
            throw new InvalidInputException($"The support set of \"{defect}\" is empty: give at least one defect image with its mask.");
        foreach (var e in examples)
        {
            if (e.Image.Length != 3 * imageSize * imageSize || e.Mask.Length != imageSize * imageSize)
                throw new InvalidInputException($"Support image {e.Source.Image} is not {imageSize}x{imageSize} RGB with a matching mask; resize it to the bundle's image size first.");
            if (!e.Mask.AsSpan().ContainsAnyExcept(0f))
                throw new InvalidInputException($"The mask of support image {e.Source.Image} ({e.Source.Mask}) is empty: stage 1 learns only from defect pixels.");
            if (e.Image.Any(v => !float.IsFinite(v)))
                throw new NumericalException($"Support image {e.Source.Image} holds NaN or infinite values.");
        }
        Defect = defect;
        ImageSize = imageSize;
        Examples = examples;
    }

    public string Defect { get; }
    public int ImageSize { get; }
    public IReadOnlyList<SupportExample> Examples { get; }

    /// <summary>A horizontally mirrored copy of a CHW (or HW with channels 1) row-major array.</summary>
    internal static float[] MirrorX(float[] data, int channels, int size)
    {
        var result = new float[data.Length];
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < size; y++)
            {
                int row = (c * size + y) * size;
                for (int x = 0; x < size; x++) result[row + x] = data[row + size - 1 - x];
            }
        return result;
    }
}
