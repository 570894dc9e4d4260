using AnomalyEngine.Imaging;

namespace AnomalyEngine.Data;

/// <summary>Which split a dataset image belongs to.</summary>
public enum DatasetSplit
{
    /// <summary>Training images (normal only).</summary>
    Train,
    /// <summary>Test images (normal and defective).</summary>
    Test,
}

/// <summary>One image of a dataset: its file, its split, its label ("good" or a defect type) and its mask file, if any.</summary>
/// <param name="ImagePath">Full path of the image.</param>
/// <param name="Split">Train or test.</param>
/// <param name="Label"><see cref="AnomalyDataset.Good"/> or the defect type (the folder name).</param>
/// <param name="MaskPath">Full path of the mask, or null for a normal image (or a defect whose mask is missing: see <see cref="DatasetValidation"/>).</param>
public sealed record DatasetSample(string ImagePath, DatasetSplit Split, string Label, string? MaskPath)
{
    /// <summary>True for a defective (non-"good") image.</summary>
    public bool IsAnomalous => Label != AnomalyDataset.Good;

    /// <summary>The file name without extension, e.g. "000".</summary>
    public string Name => Path.GetFileNameWithoutExtension(ImagePath);

    /// <summary>Reads the mask at <paramref name="threshold"/>; a sample without a mask file gets an empty mask of the image's size.</summary>
    public Mask ReadMask(float threshold = 0.5f, ImageLimits? limits = null)
    {
        if (MaskPath is not null)
            return ImageCodec.ReadMask(MaskPath, threshold, limits);
        if (IsAnomalous)
            throw new InvalidInputException($"{ImagePath}: this '{Label}' image has no mask; add it to the mask folder");
        ImageInfo info = ImageCodec.Identify(ImagePath, limits);
        return new Mask(info.Height, info.Width);
    }
}
